/**
 * Do not disturb through a NAT, as the provider sees it: the provider calls the Contact the
 * client registered through the router, and with forwarding on (`listen --dnd-forward`) gets
 * 302 Moved Temporarily naming the number at the account's server (RFC 3261 §21.3.3), with a
 * Diversion header (RFC 5806), never a 180, no SDP and no RTP; its ACK ends the transaction.
 * The control, `listen --dnd` (busy), gets 486 Busy Here and no Contact: so the 302 is the
 * forwarding's doing, not the refusal's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { contactHostPort, isRtp, sipPackets, startCapture } from './support/capture.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  header,
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
} from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: do not disturb',
  labUnavailableReason(['sipp', 'turnserver', 'tshark']),
);

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) lab.destroy();
});

/** Registers `listen` with `dndFlags` through a cone NAT, then the provider calls it once. */
async function callOnDoNotDisturb(dndFlags: string[]) {
  const lab = createLab({ nat: 'cone' });
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
      ...dndFlags,
      '--seconds',
      '8',
      '--json',
    ],
    { timeoutMs: 60_000 },
  );
  await registrar.exited;
  const registered = registrar
    .messages()
    .filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 200'))
    .map((m) => header(m.text, 'Contact') ?? '')[0];
  const contact = contactHostPort(registered ?? null);
  if (!contact)
    throw new Error(`no registered Contact in the registrar's log: ${registrar.output()}`);
  const caller = await startSipp(lab, 'provider-invites-client-refused.xml', {
    calls: 1,
    target: `${contact.address}:${contact.port}`,
    extraArgs: ['-recv_timeout', '6000'],
  });
  const callerExit = await caller.exited;
  const run = await listening;
  const packets = await wire.stop();
  const sip = sipPackets(packets);
  const invite = sip.find((m) => m.method === 'INVITE');
  if (!invite) throw new Error('the provider never sent its INVITE');
  const answers = sip.filter(
    (m) => m.status !== null && m.callId === invite.callId && m.cseq?.method === 'INVITE',
  );
  return {
    contact,
    invite,
    answers,
    ack: sip.find((m) => m.method === 'ACK' && m.callId === invite.callId) ?? null,
    rtp: packets.filter((p) => isRtp(p.payload)).length,
    callerExit,
    callerLog: caller.output(),
    run,
    report: run.json as unknown as ListenReportJson & {
      doNotDisturb: { action: string; to?: string } | null;
    },
  };
}

describe.skipIf(skip).concurrent('do not disturb through a cone NAT', () => {
  it('forwarding answers 302 with the number at the server and no ringing; busy answers 486', async () => {
    const [forward, busy] = await Promise.all([
      callOnDoNotDisturb(['--dnd-forward', '(514) 555-0199']),
      callOnDoNotDisturb(['--dnd']),
    ]);

    // The call came in through the router to the Contact registered from its public mapping.
    expect(forward.contact.address).toBe(PUBLIC.router);
    expect(forward.invite.dst).toBe(PUBLIC.router);

    // On the provider's side of the wire: one final answer, a 302 from that same mapping.
    const finals = forward.answers.filter((m) => m.status! >= 200);
    expect(
      finals.map((m) => m.status),
      forward.callerLog,
    ).toEqual([302]);
    const redirect = finals[0]!;
    expect(redirect.startLine).toBe('SIP/2.0 302 Moved Temporarily');
    expect({ address: redirect.src, port: redirect.sport }).toEqual(forward.contact);
    expect(redirect.contact).toBe(`<sip:15145550199@${PUBLIC.provider}>`);
    expect(header(redirect.text, 'Diversion')).toBe(
      `<sip:${LAB_USER}@${PUBLIC.provider}>;reason=do-not-disturb`,
    );
    expect(header(redirect.text, 'To')).toMatch(/;tag=\w+/);
    expect(redirect.sdp).toBeNull();
    // It never rang, and no media was set up for it.
    expect(forward.answers.some((m) => m.status === 180 || m.status === 183)).toBe(false);
    expect(forward.rtp).toBe(0);
    // The provider acknowledged it in the INVITE's transaction, and its scenario ran through.
    expect(forward.ack?.branch).toBe(forward.invite.branch);
    expect(forward.callerExit, forward.callerLog).toBe(0);
    expect(forward.report, forward.run.stderr).toMatchObject({
      registered: true,
      doNotDisturb: { action: 'forward', to: '15145550199' },
    });
    expect(forward.report.calls).toHaveLength(1);
    expect(forward.report.calls[0]).toMatchObject({
      from: '15145550100',
      answered: false,
      end: { code: 'transferred', message: 'Forwarded to 15145550199, do not disturb' },
    });

    // The control: busy gives 486 and names no one, on the same path.
    const busyFinals = busy.answers.filter((m) => m.status! >= 200);
    expect(
      busyFinals.map((m) => m.status),
      busy.callerLog,
    ).toEqual([486]);
    expect(busyFinals[0]!.contact).toBeNull();
    expect(header(busyFinals[0]!.text, 'Diversion')).toBeNull();
    expect(busy.answers.some((m) => m.status === 180)).toBe(false);
    expect(busy.ack?.branch).toBe(busy.invite.branch);
    expect(busy.callerExit, busy.callerLog).toBe(0);
    expect(busy.report).toMatchObject({ registered: true, doNotDisturb: { action: 'busy' } });
    expect(busy.report.calls[0]).toMatchObject({ answered: false, end: { code: 'busy' } });
  }, 90_000);
});
