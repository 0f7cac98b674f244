/**
 * `natter listen --accept-transfers` behind a cone NAT, registered to Kamailio, judged at the far
 * ends and on the provider's side of the wire. B, a caller on the carrier's side (sipp), calls the
 * listener, which answers (`--answer`), then REFERs it to C, the number 201 behind the provider
 * (sipp, echoing RTP):
 *
 * - With the flag, B receives 202 and NOTIFYs (Event: refer, message/sipfrag, Subscription-State)
 *   saying "SIP/2.0 100" first and "SIP/2.0 200" last; C receives the listener's INVITE through
 *   the NAT, with the public address the listener registered in its Contact and in its SDP, and
 *   the listener's RTP; `listen --json` names the transfer on B's call and on the call to C.
 * - The control, the same run without the flag: B's REFER is declined 603, B hears no NOTIFY, and
 *   nothing reaches C.
 */
import { describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  contactHostPort,
  header,
  rtpFlows,
  rtpPackets,
  sipPackets,
  startCapture,
  type UdpPacket,
} from './support/capture.js';
import { CARRIER, startCarrier, startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  waitFor,
  type SipTraceEntry,
} from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';
import { PARTY_B, startSippParty, TARGET, TARGET_URI } from './support/transfer-parties.js';

const skip = announceSkip(
  'lab: listen --accept-transfers',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'tshark', 'turnserver']),
);
installLabCleanup();

const ACCOUNT_ARGS = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];
const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
/** B's number, as kamailio-caller-refers.xml writes it in its From. */
const CALLER_B = '15145550100';
/**
 * How long the listener stays up after registering: B's whole scenario (call, REFER, the call to
 * C, the last NOTIFY, B's BYE) must fit in it. 15 s was cut short once in CI, where two labs and
 * the suites beside them share two cores.
 */
const LISTEN_SECONDS = 25;

type ListenedCall = ListenReportJson['calls'][number] & {
  transfer?: { direction: string; kind: string; target: string; state: string; sipStatus?: number };
  transferFrom?: string;
};

/** The SIP exchange on the wire, one line a message, for the failure messages. */
function sipFlow(packets: UdpPacket[]): string {
  const rtp = [...rtpFlows(packets)].map(([flow, count]) => `RTP ${flow}: ${count}`);
  return [
    ...sipPackets(packets).map(
      (m) => `${m.time.toFixed(2)} ${m.src}:${m.sport} > ${m.dst}:${m.dport} ${m.startLine}`,
    ),
    ...rtp,
  ].join('\n');
}

const received = (messages: SipTraceEntry[], start: string) =>
  messages.filter((m) => m.direction === 'received' && m.startLine.startsWith(start));
const bodyOf = (message: SipTraceEntry) => message.text.split(/\r?\n\r?\n/)[1]?.trim() ?? '';

/**
 * One run: the listener behind its own cone NAT (with `--accept-transfers` or without), B calling
 * it and asking for the transfer to C; everything each side saw.
 */
async function transferAsked(acceptTransfers: boolean, labs: Lab[]) {
  const lab = createLab({ nat: 'cone' });
  labs.push(lab);
  await startCoturn(lab);
  const kamailio = await startKamailio(lab, { numberRoutes: { [PARTY_B]: TARGET_URI } });
  const partyC = await startSippParty(lab, 'transfer-target.xml');
  const wire = await startCapture(lab, lab.internet, 'any');
  const listening = runNatter(
    lab,
    [
      'listen',
      ...ACCOUNT_ARGS,
      ...STUN_ARGS,
      '--answer',
      ...(acceptTransfers ? ['--accept-transfers'] : []),
      '--seconds',
      String(LISTEN_SECONDS),
      '--json',
    ],
    { timeoutMs: 60_000 },
  );
  // The CLI takes seconds to start on a busy machine; its --seconds run from the registration.
  const registered = await waitFor(() => kamailio.location().length > 0, 30_000);
  const registeredContact = kamailio.location()[0]?.hostPort ?? null;
  const partyB = registered
    ? await startCarrier(lab, 'caller', { scenario: 'kamailio-caller-refers.xml' })
    : null;
  const run = await listening;
  const callerExit = partyB
    ? await Promise.race([
        partyB.exited,
        new Promise<'still running'>((resolveLate) =>
          setTimeout(() => resolveLate('still running'), 5000),
        ),
      ])
    : 'never started';
  // C hangs up on the listener's BYE, sent as the listener quits; give the 200 time to cross.
  if (acceptTransfers) await waitFor(() => partyC.process.exitCode !== null, 3000);
  const packets = await wire.stop();
  const atB = partyB?.messages() ?? [];
  const atC = partyC.messages();
  const log = [
    sipFlow(packets),
    `listen exit ${run.code} after ${run.elapsedMs} ms`,
    run.stdout.slice(-3000),
    run.stderr.slice(-2000),
    `--- B (exit ${String(callerExit)}) ---`,
    ...atB.map(
      (m) => `${m.direction}: ${m.startLine} ${m.startLine.startsWith('NOTIFY') ? bodyOf(m) : ''}`,
    ),
    partyB?.output().slice(-800) ?? 'B never started: the listener did not register',
    '--- C ---',
    ...atC.map((m) => `${m.direction}: ${m.startLine}`),
  ].join('\n');
  return {
    run,
    report: run.json as unknown as Omit<ListenReportJson, 'calls'> & { calls: ListenedCall[] },
    clientAddress: lab.clientAddress,
    registeredContact,
    callerExit,
    atB,
    atC,
    packets,
    log,
  };
}

describe.skipIf(skip)('listen --accept-transfers through a cone NAT and Kamailio', () => {
  it('follows B’s REFER to C: 202, NOTIFYs 100 then 200, our INVITE and RTP reach C with our public address; without the flag, 603 and nothing at C', async (test) => {
    const labs: Lab[] = [];
    test.onTestFinished(() => {
      for (const lab of labs) lab.destroy();
    });
    const [accepted, control] = await Promise.all([
      transferAsked(true, labs),
      transferAsked(false, labs),
    ]);

    // --- Accepted ---
    let log = accepted.log;
    expect(accepted.report, log).toMatchObject({ registered: true });
    expect(accepted.registeredContact?.address, log).toBe(PUBLIC.router);
    // B's view: 202 to its REFER, then the progress in its dialog.
    expect(received(accepted.atB, 'SIP/2.0 202'), log).toHaveLength(1);
    expect(received(accepted.atB, 'SIP/2.0 603'), log).toHaveLength(0);
    const notifies = received(accepted.atB, 'NOTIFY');
    expect(notifies.length, log).toBeGreaterThanOrEqual(2);
    const dialogOfB = header(received(accepted.atB, 'SIP/2.0 200')[0]?.text ?? '', 'Call-ID', 'i');
    for (const notify of notifies) {
      expect(header(notify.text, 'Event', 'o'), log).toBe('refer');
      expect(header(notify.text, 'Content-Type', 'c'), log).toMatch(/^message\/sipfrag/);
      expect(header(notify.text, 'Call-ID', 'i'), log).toBe(dialogOfB);
      expect(header(notify.text, 'Subscription-State'), log).toMatch(/^(active|terminated)/);
    }
    expect(bodyOf(notifies[0]!), log).toMatch(/^SIP\/2\.0 100\b/);
    expect(header(notifies[0]!.text, 'Subscription-State'), log).toMatch(/^active/);
    expect(bodyOf(notifies.at(-1)!), log).toMatch(/^SIP\/2\.0 200\b/);
    expect(header(notifies.at(-1)!.text, 'Subscription-State'), log).toMatch(/^terminated/);
    // B's whole scenario ran: the hold re-INVITE answered, the last NOTIFY, its BYE answered.
    expect(accepted.callerExit, log).toBe(0);

    // C's view: the listener's INVITE for 201, from the public address it registered.
    const invitesAtC = received(accepted.atC, 'INVITE');
    expect(invitesAtC, log).toHaveLength(1);
    const inviteAtC = invitesAtC[0]!;
    expect(inviteAtC.startLine).toMatch(new RegExp(`^INVITE sip:${PARTY_B}@`));
    expect(header(inviteAtC.text, 'Referred-By', 'b'), log).toContain(CALLER_B);
    const contactAtC = contactHostPort(header(inviteAtC.text, 'Contact', 'm'));
    expect(contactAtC, log).toEqual(accepted.registeredContact);
    // The same INVITE on the provider's side of the router: it left through the NAT, its SDP
    // naming the public address (the router's), not the client's private one.
    const ourInvite = sipPackets(accepted.packets).find(
      (m) =>
        m.method === 'INVITE' &&
        m.src === PUBLIC.router &&
        m.startLine.startsWith(`INVITE sip:${PARTY_B}@`) &&
        header(m.text, 'Proxy-Authorization') !== null,
    );
    expect(ourInvite, log).toBeDefined();
    expect(contactHostPort(ourInvite!.contact), log).toEqual(accepted.registeredContact);
    expect(ourInvite!.sdp?.connection, log).toBe(PUBLIC.router);
    expect(ourInvite!.text, log).not.toContain(accepted.clientAddress);
    const ourMedia = { address: PUBLIC.router, port: ourInvite!.sdp!.audioPort! };
    // RTP both ways between the listener's public media address and C.
    const toC = rtpPackets(accepted.packets, {
      from: ourMedia,
      to: { address: CARRIER.address, port: TARGET.mediaPort },
    });
    const fromC = rtpPackets(accepted.packets, {
      from: { address: CARRIER.address, port: TARGET.mediaPort },
      to: ourMedia,
    });
    expect(toC.length, log).toBeGreaterThan(100);
    expect(fromC.length, log).toBeGreaterThan(100);
    // The listener's report names the transfer: on B's call, and on the call it placed to C.
    const callOfB = accepted.report.calls.find((call) => call.from === CALLER_B);
    expect(callOfB?.transfer, log).toMatchObject({
      direction: 'incoming',
      kind: 'blind',
      target: PARTY_B,
      state: 'succeeded',
    });
    const callToC = accepted.report.calls.find((call) => call.from === PARTY_B);
    expect(callToC, log).toMatchObject({
      transferFrom: CALLER_B,
      answered: true,
      oneWayAudio: false,
    });
    expect(callToC!.rtp.received, log).toBeGreaterThan(100);
    expect(accepted.report.calls, log).toHaveLength(2);

    // --- The control: the same run without --accept-transfers ---
    log = control.log;
    expect(control.report, log).toMatchObject({ registered: true });
    expect(received(control.atB, 'SIP/2.0 603'), log).toHaveLength(1);
    expect(received(control.atB, 'SIP/2.0 202'), log).toHaveLength(0);
    expect(received(control.atB, 'NOTIFY'), log).toHaveLength(0);
    // The call went on until the listener quit and hung up: B's BYE came from it.
    expect(received(control.atB, 'BYE'), log).toHaveLength(1);
    expect(control.callerExit, log).toBe(0);
    // Nothing reached C: no INVITE for 201 left the router, C received nothing.
    expect(control.atC, log).toHaveLength(0);
    expect(
      sipPackets(control.packets).filter(
        (m) => m.method === 'INVITE' && m.startLine.startsWith(`INVITE sip:${PARTY_B}@`),
      ),
      log,
    ).toHaveLength(0);
    expect(
      rtpPackets(control.packets, { to: { address: CARRIER.address, port: TARGET.mediaPort } }),
    ).toHaveLength(0);
    const declined = control.report.calls.find((call) => call.from === CALLER_B);
    expect(declined, log).toMatchObject({ answered: true });
    expect(declined?.transfer, log).toMatchObject({
      direction: 'incoming',
      target: PARTY_B,
      state: 'declined',
      sipStatus: 603,
    });
    expect(control.report.calls, log).toHaveLength(1);
  }, 90_000);
});
