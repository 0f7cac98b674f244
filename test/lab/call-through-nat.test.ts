/**
 * `natter call` from behind a NAT router to sipp as the provider, judged on the provider's side
 * of the wire: captures on the internet side of the router (and on both sides of it for loss).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  contactHostPort,
  retransmissions,
  rtpFlows,
  rtpPackets,
  sipPackets,
  sipRequests,
  startCapture,
  transactionKey,
  undelivered,
  type SipPacket,
} from './support/capture.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
} from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: calls through NAT',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack', 'tshark']),
);

const STUN = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const SERVER = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];
const PROVIDER_MEDIA = { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT };

function describeWire(messages: SipPacket[]): string {
  return messages
    .map((m) => `${m.time.toFixed(3)} ${m.src}:${m.sport} > ${m.dst}:${m.dport} ${m.startLine}`)
    .join('\n');
}

function isUnregister(message: SipPacket): boolean {
  return (
    message.method === 'REGISTER' &&
    (message.expires === '0' || /;\s*expires=0\b/i.test(message.contact ?? ''))
  );
}

function escaped(address: string): string {
  return address.replace(/\./g, '\\.');
}

describe.skipIf(skip)('calls through a NAT router, judged on the provider side', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it('cone NAT, strict provider, STUN on: public Contact and SDP, audio both ways', async () => {
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    await startSipp(lab, 'provider-strict.xml');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(lab, [
      'call',
      '4443',
      ...SERVER,
      ...STUN,
      '--seconds',
      '3',
      '--json',
    ]);
    const packets = await wire.stop();
    const sip = sipPackets(packets);
    const trace = describeWire(sip);
    expect(run.json, run.stderr).not.toBeNull();
    const report = run.json as unknown as CallReportJson;

    // Everything the client sent arrived from the router's public address and one SIP port.
    const registers = sipRequests(packets, 'REGISTER');
    const invite = sipRequests(packets, 'INVITE')[0];
    expect(registers.length, trace).toBeGreaterThanOrEqual(2);
    expect(invite, trace).toBeDefined();
    const sipSource = { address: registers[0]!.src, port: registers[0]!.sport };
    expect(sipSource.address).toBe(PUBLIC.router);
    for (const request of [...registers, invite!]) {
      expect(`${request.src}:${request.sport}`).toBe(`${sipSource.address}:${sipSource.port}`);
      // Contact = the SIP socket's public mapping, the address the provider would call back.
      expect(contactHostPort(request.contact), request.text).toEqual(sipSource);
      expect(request.contact).toContain(`sip:${LAB_USER}@`);
    }

    // SDP: the router's address and the public port of the RTP socket.
    const sdp = invite!.sdp;
    expect(sdp?.connection).toBe(PUBLIC.router);
    const audioPort = sdp?.audioPort ?? -1;
    const toProvider = rtpPackets(packets, {
      from: { address: PUBLIC.router, port: audioPort },
      to: PROVIDER_MEDIA,
    });
    const fromProvider = rtpPackets(packets, {
      from: PROVIDER_MEDIA,
      to: { address: PUBLIC.router, port: audioPort },
    });
    const flows = JSON.stringify([...rtpFlows(packets)]);
    expect(toProvider.length, flows).toBeGreaterThan(100);
    expect(fromProvider.length, flows).toBeGreaterThan(50);
    // A strict provider sends only where the SDP said: no RTP anywhere else.
    expect(rtpPackets(packets, { from: PROVIDER_MEDIA }).length, flows).toBe(fromProvider.length);

    // The router's own table agrees: the client's RTP and SIP sockets are mapped to those ports.
    const conntrack = lab.exec(lab.router, 'conntrack', ['-L', '-p', 'udp']);
    const [router, provider] = [escaped(PUBLIC.router), escaped(PUBLIC.provider)];
    expect(conntrack).toMatch(
      new RegExp(
        `src=${escaped(lab.clientAddress)} dst=${provider} sport=\\d+ dport=${PROVIDER_MEDIA_PORT} .*src=${provider} dst=${router} sport=${PROVIDER_MEDIA_PORT} dport=${audioPort}\\b`,
      ),
    );
    expect(conntrack).toMatch(
      new RegExp(
        `dport=${PROVIDER_SIP_PORT} .*src=${provider} dst=${router} sport=${PROVIDER_SIP_PORT} dport=${sipSource.port}\\b`,
      ),
    );

    // Registered, called, hung up, unregistered on the way out (Expires 0 answered by 200).
    const bye = sipRequests(packets, 'BYE').find((m) => m.src === PUBLIC.router);
    expect(bye, trace).toBeDefined();
    const unregister = registers.find(isUnregister);
    expect(unregister, trace).toBeDefined();
    expect(
      sip.some(
        (m) =>
          m.status === 200 &&
          m.cseq?.method === 'REGISTER' &&
          m.callId === unregister!.callId &&
          m.time > unregister!.time,
      ),
      trace,
    ).toBe(true);

    expect(report).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
      natType: 'cone',
      mapped: sipSource,
    });
    expect(report.invite?.sdp).toEqual({ connection: PUBLIC.router, audioPort });
    expect(contactHostPort(report.invite?.contact ?? null)).toEqual(sipSource);
    expect(report.rtp.received).toBeGreaterThan(50);
    expect(run.code).toBe(0);
  });

  it('cone NAT, strict provider, STUN off: one-way audio reported with evidence', async () => {
    lab = createLab({ nat: 'cone' });
    await startSipp(lab, 'provider-strict.xml');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(lab, [
      'call',
      '4443',
      ...SERVER,
      '--no-stun',
      '--seconds',
      '3',
      '--json',
    ]);
    const packets = await wire.stop();
    const report = run.json as unknown as CallReportJson;
    const invite = sipRequests(packets, 'INVITE')[0];
    expect(invite, describeWire(sipPackets(packets))).toBeDefined();
    // The provider was told to send audio to a private address it cannot reach.
    expect(invite!.sdp?.connection).toBe(lab.clientAddress);
    expect(contactHostPort(invite!.contact)?.address).toBe(lab.clientAddress);
    const flows = JSON.stringify([...rtpFlows(packets)]);
    expect(
      rtpPackets(packets, { from: { address: PUBLIC.router }, to: PROVIDER_MEDIA }).length,
      flows,
    ).toBeGreaterThan(100);
    expect(rtpPackets(packets, { from: PROVIDER_MEDIA }).length, flows).toBe(0);

    expect(report).toMatchObject({ registered: true, answered: true, oneWayAudio: true });
    expect(report.invite?.sdp.connection).toBe(lab.clientAddress);
    expect(report.rtp.sent).toBeGreaterThan(100);
    expect(report.rtp.received).toBe(0);
    expect(report.error?.code).toBe('one-way-audio');
    expect(run.stderr).toMatch(/one-way audio/);
    expect(run.code).not.toBe(0);
  });

  it('cone NAT, comedia provider, STUN off: the provider answers to the source, audio both ways', async () => {
    lab = createLab({ nat: 'cone' });
    await startSipp(lab, 'provider-comedia.xml', { extraArgs: ['-rtp_echo'] });
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(lab, [
      'call',
      '4443',
      ...SERVER,
      '--no-stun',
      '--seconds',
      '3',
      '--json',
    ]);
    const packets = await wire.stop();
    const report = run.json as unknown as CallReportJson;
    const invite = sipRequests(packets, 'INVITE')[0];
    expect(invite, describeWire(sipPackets(packets))).toBeDefined();
    // The SDP is as unusable as above; only answering to the source makes audio flow back.
    expect(invite!.sdp?.connection).toBe(lab.clientAddress);
    const flows = JSON.stringify([...rtpFlows(packets)]);
    const sent = rtpPackets(packets, { from: { address: PUBLIC.router }, to: PROVIDER_MEDIA });
    expect(sent.length, flows).toBeGreaterThan(100);
    const source = { address: PUBLIC.router, port: sent[0]!.sport };
    // Symmetric RTP: the client sends from one port, and the echo back to it gets through.
    expect(new Set(sent.map((p) => p.sport)).size, flows).toBe(1);
    expect(rtpPackets(packets, { from: PROVIDER_MEDIA, to: source }).length, flows).toBeGreaterThan(
      50,
    );

    expect(report).toMatchObject({ answered: true, oneWayAudio: false });
    expect(report.rtp.received).toBeGreaterThan(50);
    expect(run.code).toBe(0);
  });

  it('20 % packet loss on the router: registration and the call still succeed', async () => {
    lab = createLab({ nat: 'cone', lossPercent: 20 });
    await startCoturn(lab);
    await startSipp(lab, 'provider-comedia.xml', { extraArgs: ['-rtp_echo'] });
    // Both sides of the router: what the client sent, and what got through (and back).
    const lan = await startCapture(lab, lab.router, lab.routerLanInterface);
    const wan = await startCapture(lab, lab.router, lab.routerWanInterface);
    const run = await runNatter(
      lab,
      ['call', '4443', ...SERVER, ...STUN, '--seconds', '3', '--json'],
      { timeoutMs: 150_000 },
    );
    const [lanPackets, wanPackets] = await Promise.all([lan.stop(), wan.stop()]);
    const lanSip = sipPackets(lanPackets);
    const wanSip = sipPackets(wanPackets);
    const report = run.json as unknown as CallReportJson;
    const trace = `LAN\n${describeWire(lanSip)}\nWAN\n${describeWire(wanSip)}`;

    expect(report, `${run.stderr}\n${trace}`).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
    });
    expect(run.code).toBe(0);
    expect(wanSip.some((m) => m.status === 200 && m.cseq?.method === 'REGISTER')).toBe(true);
    expect(wanSip.some((m) => m.status === 200 && m.cseq?.method === 'INVITE')).toBe(true);

    // Loss was real: the provider's echo came back with fewer packets than were sent.
    expect(report.rtp.received).toBeLessThan(report.rtp.sent);

    // Every SIP message the router dropped for good was followed by a retransmission of its
    // transaction on the wire, except provisional responses (nothing resends those) and the
    // un-REGISTER on the way out (the CLI waits for it only briefly).
    const lost = [
      ...undelivered(
        lanSip.filter((m) => m.src === lab!.clientAddress),
        wanSip.filter((m) => m.src === PUBLIC.router),
      ),
      ...undelivered(
        wanSip.filter((m) => m.src === PUBLIC.provider),
        lanSip.filter((m) => m.dst === lab!.clientAddress),
      ),
    ];
    const leaving = new Set(lanSip.filter(isUnregister).map(transactionKey));
    const copies = [...retransmissions(lanSip), ...retransmissions(wanSip)];
    for (const message of lost) {
      if (message.status !== null && message.status < 200) continue;
      if (leaving.has(transactionKey(message))) continue;
      const repaired = copies.some(
        (copy) => transactionKey(copy) === transactionKey(message) && copy.time > message.time,
      );
      expect(repaired, `lost: ${message.startLine} (${transactionKey(message)})\n${trace}`).toBe(
        true,
      );
    }
  });

  it('a BYE lost on the way out is retransmitted: the provider sees the call end', async () => {
    lab = createLab({ nat: 'cone' });
    await startSipp(lab, 'provider-comedia.xml', { extraArgs: ['-rtp_echo'] });
    // The router drops the first BYE it forwards, and only that one.
    lab.exec(lab.router, 'iptables', [
      '-I',
      'FORWARD',
      '-p',
      'udp',
      '--dport',
      String(PROVIDER_SIP_PORT),
      '-m',
      'string',
      '--string',
      'BYE sip:',
      '--algo',
      'bm',
      '-m',
      'statistic',
      '--mode',
      'nth',
      '--every',
      '1000',
      '--packet',
      '0',
      '-j',
      'DROP',
    ]);
    const lan = await startCapture(lab, lab.router, lab.routerLanInterface);
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(lab, [
      'call',
      '4443',
      ...SERVER,
      '--no-stun',
      '--seconds',
      '2',
      '--json',
    ]);
    const [lanPackets, packets] = await Promise.all([lan.stop(), wire.stop()]);
    const sent = sipRequests(lanPackets, 'BYE');
    const trace = describeWire(sipPackets(packets));
    expect(run.json, run.stderr).toMatchObject({ answered: true });
    expect(sent.length, trace).toBeGreaterThanOrEqual(1);
    const arrived = sipRequests(packets, 'BYE');
    expect(arrived.length, `the client sent ${sent.length} BYE\n${trace}`).toBeGreaterThanOrEqual(
      1,
    );
    expect(arrived[0]!.text).toBe(sent[0]!.text);
    expect(
      sipPackets(packets).some((m) => m.status === 200 && m.cseq?.method === 'BYE'),
      trace,
    ).toBe(true);
  });
});
