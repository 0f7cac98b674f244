import type { CallInfo } from '../../src-shared/domain.js';
import type { CallArgs } from './cli-args.js';
import { formatAddress, type CliOutput } from './cli-output.js';
import { waitForCall } from '../engine/wait-for-call.js';
import { isOneWay, oneWayExplanation, openCliSession } from './cli-session.js';
import { watchQuitSignals } from './quit-signals.js';
import { scriptHold } from './scripted-hold.js';
import { scriptTransfer } from './scripted-transfer.js';
import { keypadWayWords, scriptDtmf, type DtmfReport } from './scripted-dtmf.js';

interface CallReport {
  registered: boolean;
  mapped: { address: string; port: number } | null;
  natType: string;
  invite: { contact: string; sdp: { connection: string; audioPort: number } } | null;
  /** What the call's signalling ran over (udp, tcp or tls). */
  transport: NonNullable<CallInfo['transport']>;
  answered: boolean;
  rtp: { sent: number; received: number };
  oneWayAudio: boolean;
  /** Where the Contact and SDP addresses came from (stun, registrar or local). */
  addressSource?: { contact: string | null; sdp: string | null };
  toneDetected?: boolean;
  /** The codec the call used (G722, PCMU, PCMA). */
  codec?: string;
  /** 20 ms frames of received audio that carried the test tone. */
  toneFrames?: number;
  /** The TURN relay the media went through, or why it could not (then the call went direct). */
  relay?: CallInfo['relay'];
  /** One-way audio rescued mid-call: when (s after answer), from and to which strategy, and whether it worked. */
  rescue: CallInfo['rescue'];
  /** The call's SRTP: the suite and whether the audio ran encrypted; absent with --srtp off. */
  srtp?: CallInfo['srtp'];
  /** With --transfer-to: the transfer as it ended, and the consult call's end if one was placed. */
  transfer?: CallInfo['transfer'] | null;
  consult?: { answered: boolean; end: CallInfo['end'] } | null;
  /** With --dtmf: the digits, how they went (rfc4733, sip-info, inband), and whether they were sent. */
  dtmf?: DtmfReport;
  end?: CallInfo['end'];
  error?: { code: string; message: string };
}

/** `natter call`: register, call, send a test tone for N seconds, hang up, report. */
export async function callCommand(args: CallArgs, out: CliOutput): Promise<number> {
  const quit = watchQuitSignals();
  const session = await openCliSession(args, out);
  if (!session) {
    quit.dispose();
    return 2;
  }
  const { engine } = session;
  const report: CallReport = {
    registered: session.registration.state === 'registered',
    mapped: engine.natStatus?.mapped ?? null,
    natType: engine.natStatus?.natType ?? 'unknown',
    invite: null,
    transport: args.transport,
    answered: false,
    rtp: { sent: 0, received: 0 },
    oneWayAudio: false,
    rescue: null,
  };
  const interrupted = quit.requested.then(() => 'interrupted' as const);
  try {
    if (!report.registered) {
      report.error = session.registration.error ?? { code: 'register', message: 'not registered' };
      return finish(out, report, 1);
    }
    out.progress(
      `Registered as ${engine.contactHeader}; NAT: ${report.natType}, public ${formatAddress(report.mapped)}`,
    );
    let call = await engine.invoke('call', { target: args.target });
    out.progress(`Calling ${args.target}...`);
    call = await Promise.race([
      waitForCall(engine, call.id, ['connected'], args.ringSeconds * 1000, call),
      interrupted.then(() => call),
    ]);
    if (call.state !== 'connected' && call.state !== 'ended') {
      call = await engine.invoke('hangup', { callId: call.id });
      call = {
        ...call,
        end: { code: 'timeout', message: `no answer within ${args.ringSeconds} s` },
      };
    }
    if (call.state === 'connected') {
      out.progress(`Connected; sending a test tone for ${args.seconds} s...`);
      const hold = args.hold ? scriptHold(engine, call.id, args.hold, out) : null;
      const transfer = args.transfer ? scriptTransfer(engine, call.id, args.transfer, out) : null;
      const dtmf = args.dtmf ? scriptDtmf(engine, call.id, args.dtmf, out) : null;
      const ended = waitForCall(engine, call.id, ['ended'], args.seconds * 1000, call);
      call = await Promise.race([ended, interrupted.then(() => call)]);
      hold?.cancel();
      transfer?.cancel();
      dtmf?.cancel();
      if (dtmf) report.dtmf = await dtmf.outcome;
      if (call.state !== 'ended') call = await engine.invoke('hangup', { callId: call.id });
      const consult = transfer?.consult();
      if (consult) {
        // The consult party ends its replaced dialog; a consult still up is ours to end.
        const settled = await waitForCall(engine, consult.id, ['ended'], 5000, consult);
        const last =
          settled.state === 'ended'
            ? settled
            : await engine.invoke('hangup', { callId: consult.id });
        report.consult = { answered: last.answeredAt !== null, end: last.end };
      }
    }
    const local = call.localMedia;
    const contact = engine.contactSentFor(call.id);
    report.invite = {
      contact: contact ? contact.replace(/^<|>.*$/g, '') : '',
      sdp: { connection: local?.connection ?? '', audioPort: local?.audioPort ?? 0 },
    };
    report.addressSource = {
      contact: engine.natStatus?.contactSource ?? null,
      sdp: local?.source ?? null,
    };
    report.transport = call.transport ?? 'udp';
    report.answered = call.answeredAt !== null;
    report.rtp = { sent: call.stats.packetsSent, received: call.stats.packetsReceived };
    report.oneWayAudio = isOneWay(call);
    report.toneDetected = session.toneFrames(call.id) > 0;
    if (call.codec) report.codec = call.codec;
    report.toneFrames = session.toneFrames(call.id);
    if (call.relay) report.relay = call.relay;
    report.rescue = call.rescue ?? null;
    if (call.srtp) report.srtp = call.srtp;
    report.end = call.end;
    if (args.transfer) report.transfer = call.transfer ?? null;
    if (!report.answered) {
      report.error = {
        code: call.end?.code ?? 'failed',
        message: call.end?.message ?? 'the call was not answered',
      };
      return finish(out, report, 1);
    }
    if (report.oneWayAudio || report.rtp.sent === 0 || report.rtp.received === 0) {
      report.error = {
        code: 'one-way-audio',
        message: report.oneWayAudio
          ? oneWayExplanation(call)
          : 'no audio flowed in either direction',
      };
      return finish(out, report, 1);
    }
    if (report.dtmf && !report.dtmf.sent) {
      report.error = report.dtmf.error ?? { code: 'dtmf', message: 'the digits were not sent' };
      return finish(out, report, 1);
    }
    if (args.transfer && call.transfer?.state !== 'succeeded') {
      report.error = {
        code: 'transfer',
        message: call.transfer?.message ?? 'the call was not transferred',
      };
      return finish(out, report, 1);
    }
    return finish(out, report, 0);
  } finally {
    await session.close();
    quit.dispose();
  }
}

function finish(out: CliOutput, report: CallReport, code: number): number {
  out.result(report, [
    `Registered:   ${report.registered ? 'yes' : 'no'}`,
    `NAT:          ${report.natType}, public address ${formatAddress(report.mapped)}`,
    ...(report.invite
      ? [
          `Contact sent: ${report.invite.contact}`,
          `SDP audio:    ${report.invite.sdp.connection}:${report.invite.sdp.audioPort}`,
        ]
      : []),
    `Signalling:   ${report.transport.toUpperCase()}`,
    `Answered:     ${report.answered ? 'yes' : 'no'}`,
    ...(report.relay
      ? [
          `TURN relay:   ${report.relay.relayed ? `${formatAddress(report.relay.relayed)} via ${report.relay.server}` : `not used: ${report.relay.error ?? report.relay.state}`}`,
        ]
      : []),
    ...(report.rescue ? [`Rescue:       ${describeRescue(report.rescue)}`] : []),
    ...(report.srtp
      ? [
          `SRTP:         ${report.srtp.active ? `encrypted (${report.srtp.suite ?? ''})` : 'not encrypted: the other side offered none'}`,
        ]
      : []),
    `RTP packets:  ${report.rtp.sent} sent, ${report.rtp.received} received${report.oneWayAudio ? '  (one-way audio)' : ''}`,
    ...(report.transfer ? [`Transfer:     ${report.transfer.message}`] : []),
    ...(report.dtmf
      ? [
          `Keypad:       ${report.dtmf.digits} ${report.dtmf.sent ? 'sent' : 'not sent'} as ${keypadWayWords(report.dtmf.way)}`,
        ]
      : []),
    ...(report.end ? [`Ended:        ${report.end.message}`] : []),
  ]);
  if (report.error) out.failure(report.error.message);
  return code;
}

function describeRescue(rescue: NonNullable<CallInfo['rescue']>): string {
  const move =
    rescue.from === rescue.to
      ? `refreshed the ${rescue.to} mapping`
      : `moved from ${rescue.from} to ${rescue.to}`;
  return `audio was one-way ${rescue.at} s after the answer; ${move} by re-INVITE; ${rescue.recovered ? 'audio flowed both ways again' : 'audio did not come back'}`;
}
