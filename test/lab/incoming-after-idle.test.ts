/**
 * Incoming calls after a long idle through a router that forgets idle UDP mappings quickly: with
 * the default keepalive (no --keepalive, as a user who never opened the settings has it) the
 * binding survives and the provider's INVITE reaches the client; without keepalives (the control,
 * which proves the test can fail) it does not. The capture on the provider's side shows why: the
 * keepalives themselves, and the gap the router's timeout fell into. A router that forgets sooner
 * than the default interval is held by following its measured binding lifetime.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { contactHostPort, sipPackets, startCapture } from './support/capture.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  delay,
  header,
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
} from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: incoming calls after idle',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack', 'tshark']),
);

const UDP_TIMEOUT_SECONDS = 20;
const IDLE_MS = 60_000;

/** Both scenarios are a minute of idling behind routers of their own: they idle side by side. */
const describeSideBySide = describe.skipIf(skip).concurrent;

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) lab.destroy();
});

/**
 * Registers through a router that forgets idle UDP mappings after 20 s, stays idle for 60 s, then
 * the provider calls the Contact it registered, from its own address and port.
 */
async function callAfterIdle(keepaliveFlags: string[], udpTimeoutSeconds = UDP_TIMEOUT_SECONDS) {
  const lab = createLab({ nat: 'cone', udpTimeoutSeconds });
  labs.push(lab);
  await startCoturn(lab);
  const registrar = await startSipp(lab, 'provider-registrar.xml', { calls: 1 });
  const wire = await startCapture(lab, lab.internet, lab.internetInterface);
  const listening = runNatter(
    lab,
    [
      'listen',
      '--server',
      `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--stun',
      `${PUBLIC.stunB}:3478`,
      '--answer',
      ...keepaliveFlags,
      '--seconds',
      '75',
      '--json',
    ],
    { timeoutMs: 120_000 },
  );
  await registrar.exited;
  const registered = registrar
    .messages()
    .filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 200'))
    .map((m) => header(m.text, 'Contact') ?? '')[0];
  const contact = contactHostPort(registered ?? null);
  if (!contact) {
    throw new Error(`no registered Contact in the registrar's log: ${registrar.output()}`);
  }
  await delay(IDLE_MS);
  // The router's table just before the provider calls: is the client's SIP mapping still there?
  const conntrack = lab.exec(lab.router, 'conntrack', ['-L', '-p', 'udp']);
  const mappingHeld = conntrack
    .split('\n')
    .some((line) =>
      line.includes(
        `src=${PUBLIC.provider} dst=${contact.address} sport=${PROVIDER_SIP_PORT} dport=${contact.port} `,
      ),
    );
  const caller = await startSipp(lab, 'provider-invites-client.xml', {
    calls: 1,
    target: `${contact.address}:${contact.port}`,
    extraArgs: ['-rtp_echo', '-recv_timeout', '12000'],
  });
  const callerExit = await caller.exited;
  const run = await listening;
  const packets = await wire.stop();
  const invite = sipPackets(packets).find((m) => m.method === 'INVITE');
  if (!invite) throw new Error('the provider never sent its INVITE');
  // What the client sent toward the registrar's address and port from its SIP socket before the
  // INVITE, after its registration was answered: keepalives (whatever their form).
  const registeredAt = Math.max(
    ...sipPackets(packets)
      .filter((m) => m.status === 200 && m.cseq?.method === 'REGISTER' && m.time < invite.time)
      .map((m) => m.time),
  );
  const fromClient = packets.filter(
    (p) =>
      p.src === contact.address &&
      p.sport === contact.port &&
      p.dst === PUBLIC.provider &&
      p.dport === PROVIDER_SIP_PORT &&
      p.time > registeredAt &&
      p.time < invite.time,
  );
  const times = [registeredAt, ...fromClient.map((p) => p.time), invite.time];
  const longestSilence = Math.max(...times.slice(1).map((time, i) => time - times[i]!));
  return {
    run,
    report: run.json as unknown as ListenReportJson,
    messages: caller.messages(),
    callerExit,
    contact,
    mappingHeld,
    keepalives: fromClient.length,
    longestSilence,
    answeredFromContact: sipPackets(packets).some(
      (m) =>
        m.status === 200 &&
        m.cseq?.method === 'INVITE' &&
        m.src === contact.address &&
        m.sport === contact.port,
    ),
  };
}

describeSideBySide(
  `conntrack UDP timeout ${UDP_TIMEOUT_SECONDS} s, then ${IDLE_MS / 1000} s idle`,
  () => {
    it('default keepalives hold the NAT binding: the INVITE arrives and is answered; without them it does not', async () => {
      const [held, control] = await Promise.all([
        callAfterIdle([]),
        callAfterIdle(['--keepalive', '0']),
      ]);

      // The client registered its public mapping, and kept it alive on the wire, every 15 s.
      expect(held.contact.address).toBe(PUBLIC.router);
      expect(held.report.keepaliveSeconds).toBe(15);
      expect(held.keepalives).toBeGreaterThanOrEqual(IDLE_MS / 15_000 - 1);
      expect(held.longestSilence).toBeLessThan(UDP_TIMEOUT_SECONDS);
      expect(held.mappingHeld).toBe(true);
      expect(held.answeredFromContact).toBe(true);
      expect(held.report, held.run.stderr).toMatchObject({ registered: true });
      expect(contactHostPort(held.report.contact)).toEqual(held.contact);
      expect(held.report.calls).toHaveLength(1);
      expect(held.report.calls[0]).toMatchObject({
        from: '15145550100',
        answered: true,
        oneWayAudio: false,
      });
      expect(held.report.calls[0]!.rtp.received).toBeGreaterThan(20);
      const answered = held.messages.filter(
        (m) => m.direction === 'received' && m.startLine.startsWith('SIP/2.0 200'),
      );
      expect(answered.length).toBeGreaterThan(0);
      // The provider's whole scenario ran: ACK to the Contact of the 200, its BYE answered.
      expect(held.callerExit, held.messages.map((m) => m.startLine).join('\n')).toBe(0);

      // The control proves the test can fail: the same router forgets an idle client.
      expect(control.contact.address).toBe(PUBLIC.router);
      expect(control.keepalives).toBe(0);
      expect(control.longestSilence).toBeGreaterThan(UDP_TIMEOUT_SECONDS);
      expect(control.mappingHeld).toBe(false);
      expect(control.answeredFromContact).toBe(false);
      expect(control.callerExit).not.toBe(0);
      expect(control.report).toMatchObject({ registered: true, calls: [] });
      expect(
        control.messages.some((m) => m.direction === 'sent' && m.startLine.startsWith('INVITE')),
      ).toBe(true);
      // No answer of any kind to the INVITE came back through the router.
      expect(
        control.messages.some(
          (m) => m.direction === 'received' && m.startLine.startsWith('SIP/2.0'),
        ),
      ).toBe(false);
    }, 170_000);
  },
);

/**
 * A router that forgets after 12 s, sooner than the 15 s default. The lifetime is given as
 * `natter doctor --full` measures it on such a router (its longest surviving probe, about 10 s;
 * test/lab/doctor.test.ts proves that measurement), and the keepalive follows it: every 5 s.
 */
const SHORT_TIMEOUT_SECONDS = 12;
const MEASURED_LIFETIME_SECONDS = 10;

describeSideBySide(
  `conntrack UDP timeout ${SHORT_TIMEOUT_SECONDS} s, below the default keepalive`,
  () => {
    it('the keepalive follows the measured binding lifetime and holds where the default lapses', async () => {
      const [followed, unmeasured] = await Promise.all([
        callAfterIdle(
          ['--binding-lifetime', String(MEASURED_LIFETIME_SECONDS)],
          SHORT_TIMEOUT_SECONDS,
        ),
        callAfterIdle([], SHORT_TIMEOUT_SECONDS),
      ]);

      expect(followed.report.keepaliveSeconds).toBe(MEASURED_LIFETIME_SECONDS / 2);
      expect(followed.longestSilence).toBeLessThan(SHORT_TIMEOUT_SECONDS);
      expect(followed.mappingHeld).toBe(true);
      expect(followed.answeredFromContact).toBe(true);
      expect(followed.callerExit).toBe(0);
      expect(followed.report.calls[0]).toMatchObject({ answered: true, oneWayAudio: false });

      // The control: at the default 15 s the router's 12 s timeout falls between keepalives, so
      // the binding lapses on every cycle. Whether the provider's INVITE still gets through then
      // depends on where in the cycle it lands (the next keepalive opens the same port again), so
      // the lapse itself, on the wire, is what this side asserts.
      expect(unmeasured.report.keepaliveSeconds).toBe(15);
      expect(unmeasured.keepalives).toBeGreaterThanOrEqual(IDLE_MS / 15_000 - 1);
      expect(unmeasured.longestSilence).toBeGreaterThan(SHORT_TIMEOUT_SECONDS);
    }, 170_000);
  },
);
