/**
 * SIP over TLS and TCP against Kamailio with its TLS module and a CA made for the run, the
 * client behind a cone NAT. Judged on the provider's wire (tshark on its interface): no SIP in
 * clear text with TLS, no fallback to UDP or TCP when a certificate is refused, the location
 * table Kamailio keeps, and the calls the carrier's sipp made or answered.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import type { IssuedCertificate } from '../support/test-ca.js';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  PROVIDER_TLS_PORT,
  startCarrier,
  startKamailio,
  type KamailioHandle,
} from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  delay,
  LAB_USER,
  runNatter,
  startCoturn,
  waitFor,
  type NatterRun,
} from './support/peers.js';
import type { CallReportJson, ListenReportJson } from './support/reports.js';
import {
  clearTextSip,
  clientFlow,
  labCertificates,
  providerWire,
  sentText,
} from './support/tls-wire.js';

const skip = announceSkip(
  'lab: SIP over TLS and TCP',
  labUnavailableReason([
    'kamailio',
    'kamcmd',
    'sipp',
    'turnserver',
    'tshark',
    'openssl',
    'conntrack',
  ]),
);
installLabCleanup();

const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const TLS_SERVER = `${PUBLIC.provider}:${PROVIDER_TLS_PORT}`;

async function tlsLab(
  test: TestContext,
  cert: IssuedCertificate,
  options: { tcpTimeoutSeconds?: number } = {},
): Promise<{ lab: Lab; kamailio: KamailioHandle }> {
  const lab = createLab({ nat: 'cone' });
  test.onTestFinished(() => lab.destroy());
  if (options.tcpTimeoutSeconds) {
    lab.exec(lab.router, 'sysctl', [
      '-q',
      '-w',
      `net.netfilter.nf_conntrack_tcp_timeout_established=${options.tcpTimeoutSeconds}`,
    ]);
  }
  await startCoturn(lab);
  const kamailio = await startKamailio(lab, {
    tls: { certFile: cert.certFile, keyFile: cert.keyFile },
  });
  return { lab, kamailio };
}

/**
 * `natter listen --answer` for 14 s over the given server and transport, once Kamailio holds
 * its registration: the run, to await after the call (in an object, which an async function
 * returns as it is, where a promise would be awaited with it).
 */
async function listenRegistered(
  lab: Lab,
  kamailio: KamailioHandle,
  connection: string[],
): Promise<{ listening: Promise<NatterRun> }> {
  const listening = runNatter(lab, [
    'listen',
    ...connection,
    '--user',
    LAB_USER,
    ...STUN_ARGS,
    '--answer',
    '--seconds',
    '14',
    '--json',
  ]);
  expect(
    await waitFor(() => kamailio.location().length > 0, 15_000),
    kamailio.output().slice(-1500),
  ).toBe(true);
  return { listening };
}

const describeSideBySide = describe.skipIf(skip).concurrent;

describeSideBySide('SIP over TLS through a cone NAT, Kamailio with a lab CA', () => {
  it('registers and calls over TLS: audio both ways, no SIP in clear text on the wire', async (test) => {
    const { ca, good } = labCertificates();
    const { lab, kamailio } = await tlsLab(test, good);
    const callee = await startCarrier(lab, 'callee');
    const wire = await providerWire(lab);
    const run = await runNatter(lab, [
      'call',
      '4443',
      '--server',
      TLS_SERVER,
      '--user',
      LAB_USER,
      ...STUN_ARGS,
      '--transport',
      'tls',
      '--ca',
      ca.caFile,
      '--seconds',
      '4',
      '--json',
    ]);
    await callee.exited;
    const seen = await wire.stop();
    const report = run.json as unknown as CallReportJson;
    expect(report, `${run.stderr}\n${kamailio.output().slice(-1500)}`).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
      transport: 'tls',
    });
    expect(report.rtp.received).toBeGreaterThan(50);
    expect(report.toneDetected).toBe(true);
    // The TLS connection carried it all: handshake and records on 5061, nothing readable.
    expect(clientFlow(seen.tcp, PROVIDER_TLS_PORT).length).toBeGreaterThan(5);
    expect(clearTextSip(seen)).toEqual([]);
    expect(clientFlow(seen.tcp, 5060)).toEqual([]);
    // The carrier got the call Kamailio relayed from the TLS side.
    expect(
      callee.messages().some((m) => m.direction === 'received' && /^INVITE /.test(m.text)),
    ).toBe(true);
  }, 90_000);

  it('an incoming call reaches the phone over the same connection, with nothing in clear text', async (test) => {
    const { ca, good } = labCertificates();
    const { lab, kamailio } = await tlsLab(test, good);
    const wire = await providerWire(lab);
    const { listening } = await listenRegistered(lab, kamailio, [
      '--server',
      TLS_SERVER,
      '--transport',
      'tls',
      '--ca',
      ca.caFile,
    ]);
    const [stored] = kamailio.location();
    expect(stored!.address).toMatch(/;transport=tls/);
    expect(stored!.hostPort?.address).toBe(PUBLIC.router);
    const caller = await startCarrier(lab, 'caller');
    const callerExit = await caller.exited;
    const run = await listening;
    const seen = await wire.stop();
    const report = run.json as unknown as ListenReportJson;
    expect(callerExit, caller.output().slice(-1500)).toBe(0);
    expect(report.calls).toHaveLength(1);
    expect(report.calls[0]).toMatchObject({ answered: true, transport: 'tls' });
    expect(report.calls[0]!.rtp.received).toBeGreaterThan(20);
    // One connection, opened by the phone; Kamailio never opened one toward the router.
    const flow = clientFlow(seen.tcp, PROVIDER_TLS_PORT);
    expect(flow.filter((s) => s.syn && s.src === PUBLIC.router)).toHaveLength(1);
    expect(flow.filter((s) => s.syn && s.src === PUBLIC.provider)).toEqual([]);
    // The registered Contact is that connection's public side.
    expect(stored!.hostPort?.port).toBe(flow[0]!.sport);
    expect(clearTextSip(seen)).toEqual([]);
  }, 90_000);

  const refusals: Array<[string, 'expired' | 'wrongName' | 'unknownIssuer', RegExp]> = [
    ['expired', 'expired', /has expired/],
    ['wrong name', 'wrongName', /another name, not 198\.51\.100\.10/],
    ['unknown issuer', 'unknownIssuer', /unknown issuer/],
  ];
  for (const [name, which, sentence] of refusals) {
    it(`a certificate with the ${name}: a plain error naming the check, no clear-text fallback`, async (test) => {
      const all = labCertificates();
      const { lab } = await tlsLab(test, all[which]);
      const wire = await providerWire(lab);
      const run = await runNatter(lab, [
        'call',
        '4443',
        '--server',
        TLS_SERVER,
        '--user',
        LAB_USER,
        ...STUN_ARGS,
        '--transport',
        'tls',
        '--ca',
        all.ca.caFile,
        '--json',
      ]);
      const seen = await wire.stop();
      expect(run.code).toBe(1);
      const report = run.json as unknown as CallReportJson;
      expect(report.registered).toBe(false);
      expect(report.error?.message).toMatch(sentence);
      expect(run.stderr).toMatch(sentence);
      // The handshake was tried (and refused by us), and nothing else went to the provider.
      expect(clientFlow(seen.tcp, PROVIDER_TLS_PORT).some((s) => s.syn)).toBe(true);
      expect(clearTextSip(seen)).toEqual([]);
      expect(clientFlow(seen.tcp, 5060)).toEqual([]);
      expect(seen.udp.filter((p) => p.src === PUBLIC.router && p.dport === 5060)).toEqual([]);
    }, 90_000);
  }
});

describeSideBySide('SIP over TCP, and a TLS connection the router drops or forgets', () => {
  it('registers and calls over TCP: Via and Contact say TCP at Kamailio', async (test) => {
    const { good } = labCertificates();
    const { lab, kamailio } = await tlsLab(test, good);
    const callee = await startCarrier(lab, 'callee');
    const wire = await providerWire(lab);
    const run = await runNatter(lab, [
      'call',
      '4443',
      '--server',
      `${PUBLIC.provider}:5060`,
      '--user',
      LAB_USER,
      ...STUN_ARGS,
      '--transport',
      'tcp',
      '--seconds',
      '4',
      '--json',
    ]);
    await callee.exited;
    const seen = await wire.stop();
    const report = run.json as unknown as CallReportJson;
    expect(report, `${run.stderr}\n${kamailio.output().slice(-1500)}`).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
      transport: 'tcp',
    });
    const sent = sentText(seen.tcp, 5060);
    expect(sent).toMatch(/^REGISTER sip:/);
    expect(sent).toMatch(/\r\nVia: SIP\/2\.0\/TCP [^\r]*;rport/);
    expect(sent).toMatch(/\r\nContact: <sip:123456_home@[\d.]+:\d+;transport=tcp>/);
    expect(sent).toMatch(/\r\nINVITE sip:4443@/);
    // Over a reliable transport nothing is sent twice (no Timer A/E): each INVITE (the first,
    // challenged, and the one with credentials) goes once.
    const inviteCseqs = sent
      .split(/(?=^(?:[A-Z]+ sip:\S+ SIP\/2\.0|SIP\/2\.0 \d{3} )[^\r]*\r\n)/m)
      .filter((message) => message.startsWith('INVITE '))
      .map((message) => /\r\nCSeq: (\d+) INVITE\r\n/.exec(message)?.[1]);
    expect(inviteCseqs.length).toBeGreaterThan(1);
    expect(new Set(inviteCseqs).size).toBe(inviteCseqs.length);
    expect(seen.udp.filter((p) => p.src === PUBLIC.router && p.dport === 5060)).toEqual([]);
  }, 90_000);

  it('a PRACK inside an incoming call over TCP is answered 481, and the call goes on to its hang-up', async (test) => {
    const { good } = labCertificates();
    const { lab, kamailio } = await tlsLab(test, good);
    const { listening } = await listenRegistered(lab, kamailio, [
      '--server',
      `${PUBLIC.provider}:5060`,
      '--transport',
      'tcp',
    ]);
    // sip.js throws on an in-dialog PRACK; out of the connection's data handler that would end
    // the process in the middle of the call.
    const caller = await startCarrier(lab, 'caller', { scenario: 'kamailio-caller-pracks.xml' });
    const callerExit = await caller.exited;
    const run = await listening;
    expect(callerExit, caller.output().slice(-1500)).toBe(0);
    const received = caller.messages().filter((m) => m.direction === 'received');
    expect(received.some((m) => /^SIP\/2\.0 481 [^\r]*\r\n[\s\S]*CSeq: 2 PRACK/.test(m.text))).toBe(
      true,
    );
    expect(received.some((m) => /^SIP\/2\.0 200 [^\r]*\r\n[\s\S]*CSeq: 3 BYE/.test(m.text))).toBe(
      true,
    );
    expect(run.code, run.stderr).toBe(0);
    const report = run.json as unknown as ListenReportJson;
    expect(report.calls).toHaveLength(1);
    expect(report.calls[0]).toMatchObject({ answered: true, transport: 'tcp', oneWayAudio: false });
    // Audio went on after the PRACK: the 4 s of the call are about 200 packets each way.
    expect(report.calls[0]!.rtp.received).toBeGreaterThan(150);
  }, 90_000);

  it('the router forgets the connection mid-registration: reconnects and registers again within 5 s', async (test) => {
    const { ca, good } = labCertificates();
    const { lab, kamailio } = await tlsLab(test, good);
    const listening = runNatter(lab, [
      'listen',
      '--server',
      TLS_SERVER,
      '--user',
      LAB_USER,
      ...STUN_ARGS,
      '--transport',
      'tls',
      '--ca',
      ca.caFile,
      '--keepalive',
      '2',
      '--seconds',
      '20',
      '--json',
    ]);
    expect(await waitFor(() => kamailio.location().length > 0, 15_000)).toBe(true);
    const before = kamailio.location()[0]!.hostPort;
    // The router's state for the connection goes, and what comes for it next is reset (as a
    // router that rebooted or ran out of table answers): the phone's socket learns of it.
    lab.exec(lab.router, lab.routerIptables, [
      '-I',
      'FORWARD',
      '-p',
      'tcp',
      '!',
      '--syn',
      '-m',
      'conntrack',
      '--ctstate',
      'NEW,INVALID',
      '-j',
      'REJECT',
      '--reject-with',
      'tcp-reset',
    ]);
    lab.exec(lab.router, 'conntrack', ['-D', '-p', 'tcp', '--dport', String(PROVIDER_TLS_PORT)]);
    const dropped = Date.now();
    const moved = await waitFor(() => {
      const now = kamailio.location().map((c) => c.hostPort);
      return now.some((h) => h !== null && h.port !== before?.port);
    }, 15_000);
    const elapsed = Date.now() - dropped;
    const run = await listening;
    expect(moved, `${run.stderr}\n${kamailio.output().slice(-1500)}`).toBe(true);
    expect(elapsed).toBeLessThan(5000);
    expect(run.json, run.stderr).toMatchObject({ registered: true, transport: 'tls' });
  }, 90_000);

  const idleCases: Array<[string, string, boolean]> = [
    [
      'with CRLF keepalives the connection survives a 30 s router timeout: the call arrives after 60 s idle',
      '10',
      true,
    ],
    [
      'control: without keepalives the router forgets the connection and the call never arrives',
      '0',
      false,
    ],
  ];
  for (const [title, keepalive, arrives] of idleCases) {
    it(
      title,
      async (test) => {
        const { ca, good } = labCertificates();
        const { lab, kamailio } = await tlsLab(test, good, { tcpTimeoutSeconds: 30 });
        const listening = runNatter(
          lab,
          [
            'listen',
            '--server',
            TLS_SERVER,
            '--user',
            LAB_USER,
            ...STUN_ARGS,
            '--transport',
            'tls',
            '--ca',
            ca.caFile,
            '--keepalive',
            keepalive,
            '--answer',
            '--seconds',
            '85',
            '--json',
          ],
          { timeoutMs: 150_000 },
        );
        expect(await waitFor(() => kamailio.location().length > 0, 15_000)).toBe(true);
        await delay(60_000);
        const caller = await startCarrier(lab, 'caller');
        const callerExit = await caller.exited;
        const run = await listening;
        const report = run.json as unknown as ListenReportJson;
        if (arrives) {
          expect(callerExit, caller.output().slice(-1500)).toBe(0);
          expect(report.calls).toHaveLength(1);
          expect(report.calls[0]).toMatchObject({ answered: true });
        } else {
          expect(callerExit).not.toBe(0);
          expect(report.calls ?? []).toEqual([]);
        }
      },
      180_000,
    );
  }
});
