import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { installLabCleanup, Lab, PUBLIC } from './support/netns-lab.js';
import {
  header,
  installRtpCounters,
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  runNatter,
  sdpOf,
  startCoturn,
  startSipp,
} from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: calls through NAT',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack']),
);
installLabCleanup();

const STUN = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const SERVER = ['--server', `${PUBLIC.provider}:5060`, '--user', LAB_USER];

describe.skipIf(skip)('calls through a NAT router, judged on the provider side', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it('cone NAT, strict provider, STUN on: public Contact and SDP, audio both ways', async () => {
    lab = Lab.create({ nat: 'cone' });
    await startCoturn(lab);
    const sipp = await startSipp(lab, 'provider-strict.xml');
    const rtp = installRtpCounters(lab);
    const run = await runNatter(lab, [
      'call',
      '4443',
      ...SERVER,
      ...STUN,
      '--seconds',
      '3',
      '--json',
    ]);
    expect(run.json, run.stderr).not.toBeNull();
    const report = run.json as unknown as CallReportJson;

    const received = sipp.messages().filter((m) => m.direction === 'received');
    const registers = received.filter((m) => m.startLine.startsWith('REGISTER'));
    const invite = received.find((m) => m.startLine.startsWith('INVITE'));
    expect(registers.length).toBeGreaterThanOrEqual(2);
    expect(invite, 'the provider received an INVITE').toBeDefined();

    // What the router really mapped: the conntrack table of the router namespace.
    const contact = header(invite!.text, 'Contact') ?? '';
    const contactPort = Number(/@198\.51\.100\.1:(\d+)/.exec(contact)?.[1]);
    expect(contact).toContain(`${LAB_USER}@${PUBLIC.router}:`);
    expect(header(registers[1]!.text, 'Contact')).toContain(`@${PUBLIC.router}:${contactPort}`);
    const sdp = sdpOf(invite!.text);
    expect(sdp.connection).toBe(PUBLIC.router);
    const conntrack = lab.exec(lab.router, 'conntrack', ['-L', '-p', 'udp']);
    // The SDP port is the public port the router gave the client's RTP socket toward the provider.
    expect(conntrack).toMatch(
      new RegExp(
        `dst=${PUBLIC.provider.replace(/\./g, '\\.')} sport=\\d+ dport=${PROVIDER_MEDIA_PORT} .*src=${PUBLIC.provider.replace(/\./g, '\\.')} dst=${PUBLIC.router.replace(/\./g, '\\.')} sport=${PROVIDER_MEDIA_PORT} dport=${sdp.audioPort}\\b`,
      ),
    );
    expect(conntrack).toMatch(new RegExp(`dport=5060 .*sport=5060 dport=${contactPort}\\b`));

    const counted = rtp();
    expect(counted.toProvider).toBeGreaterThan(100);
    expect(counted.fromProvider).toBeGreaterThan(50);
    expect(report).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
      natType: 'cone',
    });
    expect(report.invite?.sdp).toEqual({ connection: PUBLIC.router, audioPort: sdp.audioPort });
    expect(report.rtp.received).toBeGreaterThan(50);
    expect(run.code).toBe(0);
  });

  it('cone NAT, strict provider, STUN off: one-way audio reported with evidence', async () => {
    lab = Lab.create({ nat: 'cone' });
    const sipp = await startSipp(lab, 'provider-strict.xml');
    const rtp = installRtpCounters(lab);
    const run = await runNatter(lab, [
      'call',
      '4443',
      ...SERVER,
      '--no-stun',
      '--seconds',
      '3',
      '--json',
    ]);
    const report = run.json as unknown as CallReportJson;
    const invite = sipp
      .messages()
      .find((m) => m.direction === 'received' && m.startLine.startsWith('INVITE'));
    expect(invite).toBeDefined();
    // The provider was told to send audio to a private address it cannot reach.
    expect(sdpOf(invite!.text).connection).toBe(lab.clientAddress);
    expect(header(invite!.text, 'Contact')).toContain(`@${lab.clientAddress}:`);
    const counted = rtp();
    expect(counted.toProvider).toBeGreaterThan(100);
    expect(counted.fromProvider).toBe(0);
    expect(report).toMatchObject({ registered: true, answered: true, oneWayAudio: true });
    expect(report.rtp.sent).toBeGreaterThan(100);
    expect(report.rtp.received).toBe(0);
    expect(report.error?.code).toBe('one-way-audio');
    expect(run.stderr).toMatch(/one-way audio/);
    expect(run.code).not.toBe(0);
  });

  it('cone NAT, comedia provider, STUN off: the provider answers to the source, audio both ways', async () => {
    lab = Lab.create({ nat: 'cone' });
    await startSipp(lab, 'provider-comedia.xml', { extraArgs: ['-rtp_echo'] });
    const rtp = installRtpCounters(lab);
    const run = await runNatter(lab, [
      'call',
      '4443',
      ...SERVER,
      '--no-stun',
      '--seconds',
      '3',
      '--json',
    ]);
    const report = run.json as unknown as CallReportJson;
    const counted = rtp();
    expect(counted.fromProvider).toBeGreaterThan(50);
    expect(report).toMatchObject({ answered: true, oneWayAudio: false });
    expect(run.code).toBe(0);
  });

  it('20 % packet loss on the router: registration and the call still succeed', async () => {
    lab = Lab.create({ nat: 'cone', lossPercent: 20 });
    await startCoturn(lab);
    const sipp = await startSipp(lab, 'provider-comedia.xml', { extraArgs: ['-rtp_echo'] });
    const run = await runNatter(
      lab,
      ['call', '4443', ...SERVER, ...STUN, '--seconds', '3', '--json'],
      { timeoutMs: 150_000 },
    );
    const report = run.json as unknown as CallReportJson;
    const wire = sipp
      .messages()
      .map((m) => `${m.direction} ${m.startLine} ${/branch=([^;\s]+)/.exec(m.text)?.[1] ?? ''}`);
    expect(report, `${run.stderr}\n${wire.join('\n')}`).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
    });
    expect(run.code).toBe(0);
    // Loss was real: the provider saw fewer RTP packets than were sent.
    expect(report.rtp.received).toBeLessThan(report.rtp.sent);
    const startLines = sipp
      .messages()
      .filter((m) => m.direction === 'received')
      .map((m) => m.startLine);
    expect(startLines.some((line) => line.startsWith('INVITE'))).toBe(true);
  });
});
