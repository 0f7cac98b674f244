import type { CallInfo, Voicemail } from '../../src-shared/domain.js';
import type { ListenArgs } from './cli-args.js';
import { formatAddress, type CliOutput } from './cli-output.js';
import { isOneWay, openCliSession } from './cli-session.js';
import { watchQuitSignals } from './quit-signals.js';

interface ListenedCall {
  from: string;
  answered: boolean;
  rtp: { sent: number; received: number };
  oneWayAudio: boolean;
  toneDetected: boolean;
  /** The call's SRTP; absent with --srtp off. */
  srtp?: CallInfo['srtp'];
  end: CallInfo['end'];
  /** What the call's signalling ran over. */
  transport: NonNullable<CallInfo['transport']>;
  /** A transfer the far end asked for, and what became of it. */
  transfer?: CallInfo['transfer'];
  /**
   * On a call listen placed (`from` is then the number it called): the caller whose transfer
   * request (REFER) it follows, with --accept-transfers.
   */
  transferFrom?: string;
}

/** `natter listen`: register, wait for incoming calls (answering with a tone), report each. */
export async function listenCommand(args: ListenArgs, out: CliOutput): Promise<number> {
  const quit = watchQuitSignals();
  const dnd = args.doNotDisturb;
  const session = await openCliSession(
    args,
    out,
    dnd ? { doNotDisturb: true, doNotDisturbForwardTo: dnd.forwardTo } : {},
  );
  if (!session) {
    quit.dispose();
    return 2;
  }
  const { engine } = session;
  const latest = new Map<string, CallInfo>();
  // listen places calls only to follow a transfer it accepted: each, in turn, is the next one.
  const acceptedTransfersFrom: string[] = [];
  const transferFrom = new Map<string, string>();
  const registered = session.registration.state === 'registered';
  try {
    if (!registered) {
      const error = session.registration.error ?? { code: 'register', message: 'not registered' };
      out.result(
        {
          registered: false,
          mapped: engine.natStatus?.mapped ?? null,
          natType: engine.natStatus?.natType ?? 'unknown',
          contact: null,
          calls: [],
          error,
        },
        [`Not registered: ${error.message}`],
      );
      out.failure(error.message);
      return 1;
    }
    out.progress(`Registered as ${engine.contactHeader}; waiting ${args.seconds} s for calls...`);
    if (dnd) out.progress(`Do not disturb: ${describeDoNotDisturb(dnd)}`);
    let voicemail: Voicemail | null = null;
    const unsubscribeVoicemail = engine.on('voicemail', (report) => {
      voicemail = report;
      out.progress(`Voicemail: ${describeVoicemail(report)}`);
    });
    const unsubscribe = engine.on('call', (info) => {
      const first = !latest.has(info.id);
      latest.set(info.id, info);
      const asker = first && info.direction === 'outgoing' ? acceptedTransfersFrom.shift() : null;
      if (asker) transferFrom.set(info.id, asker);
      if (first && info.state === 'incoming') {
        out.progress(`Incoming call from ${info.remote}${args.answer ? ', answering' : ''}`);
        if (args.answer || args.answerAll) {
          // A short ring first, as a person would, so the caller sees 180 before 200; with
          // --answer-all at once, holding the call in progress (a call-waiting switchboard).
          setTimeout(
            () => {
              engine
                .invoke('answer', { callId: info.id, holdOthers: args.answerAll })
                .catch((error: unknown) => {
                  out.progress(
                    `could not answer: ${error instanceof Error ? error.message : String(error)}`,
                  );
                });
            },
            args.answerAll ? 0 : 500,
          );
        }
      }
      if (info.state === 'ended')
        out.progress(`Call from ${info.remote} ended: ${info.end?.message ?? ''}`);
    });
    const unsubscribeTransfers = engine.on('transferRequest', (request) => {
      out.progress(
        `The other side asks to transfer the call to ${request.target}; ${args.acceptTransfers ? 'calling' : 'declining'}`,
      );
      const asker = latest.get(request.callId)?.remote;
      if (args.acceptTransfers && asker !== undefined) acceptedTransfersFrom.push(asker);
      engine
        .invoke('acceptTransfer', { callId: request.callId, accept: args.acceptTransfers })
        .catch((error: unknown) => {
          out.progress(
            `could not answer the transfer: ${error instanceof Error ? error.message : String(error)}`,
          );
        });
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (timer = setTimeout(resolve, args.seconds * 1000))),
      quit.requested,
    ]);
    clearTimeout(timer);
    // Every call still up is hung up at once, not one after another (see engine.shutdown).
    const leftover = [...latest.values()].filter((info) => info.state !== 'ended').length;
    if (leftover > 0) out.progress(`Hanging up ${leftover} call${leftover === 1 ? '' : 's'}...`);
    // What the registration looked like, read before shutdown unregisters and forgets it.
    const nat = engine.natStatus;
    const contact = (engine.contactHeader ?? '').replace(/^<|>.*$/g, '');
    const { registration: current } = await engine.invoke('snapshot', {});
    await engine.shutdown();
    unsubscribe();
    unsubscribeVoicemail();
    unsubscribeTransfers();
    const calls: ListenedCall[] = [...latest.values()].map((info) => ({
      from: info.remote,
      answered: info.answeredAt !== null,
      rtp: { sent: info.stats.packetsSent, received: info.stats.packetsReceived },
      oneWayAudio: isOneWay(info),
      toneDetected: session.toneFrames(info.id) > 0,
      ...(info.srtp ? { srtp: info.srtp } : {}),
      end: info.end,
      transport: info.transport ?? 'udp',
      ...(info.transfer ? { transfer: info.transfer } : {}),
      ...(transferFrom.has(info.id) ? { transferFrom: transferFrom.get(info.id) } : {}),
    }));
    out.result(
      {
        registered: true,
        mapped: nat?.mapped ?? null,
        natType: nat?.natType ?? 'unknown',
        contact,
        registrarSees: nat?.registrarSees ?? null,
        server: current.account?.server ?? args.server,
        failover: current.failover ?? null,
        keepaliveSeconds: nat?.keepaliveSeconds ?? null,
        transport: args.transport,
        voicemail,
        doNotDisturb: dnd
          ? dnd.forwardTo === null
            ? { action: 'busy' }
            : { action: 'forward', to: dnd.forwardTo }
          : null,
        calls,
      },
      [
        `Registered: yes (public ${formatAddress(nat?.mapped ?? null)}, NAT ${nat?.natType ?? 'unknown'})`,
        ...(current.failover
          ? [
              `Failover: ${current.failover.from} stopped answering; registered to ${current.failover.to}`,
            ]
          : []),
        ...(voicemail ? [`Voicemail: ${describeVoicemail(voicemail)}`] : []),
        ...(dnd ? [`Do not disturb: ${describeDoNotDisturb(dnd)}`] : []),
        `Calls: ${calls.length}`,
        ...calls.map(
          (c) =>
            `  ${c.transferFrom === undefined ? `from ${c.from}` : `to ${c.from} (transfer asked by ${c.transferFrom})`}: ${c.answered ? 'answered' : 'not answered'}, RTP ${c.rtp.sent} sent / ${c.rtp.received} received${c.oneWayAudio ? ' (one-way audio)' : ''}${describeTransfer(c.transfer)}`,
        ),
      ],
    );
    return 0;
  } finally {
    await session.close();
    quit.dispose();
  }
}

function describeVoicemail(voicemail: Voicemail): string {
  if (voicemail.newMessages === null)
    return voicemail.waiting ? 'messages waiting' : 'no new messages';
  return `${voicemail.newMessages} new, ${voicemail.oldMessages ?? 0} old`;
}

function describeTransfer(transfer: CallInfo['transfer']): string {
  return transfer?.direction === 'incoming'
    ? `; transfer to ${transfer.target}: ${transfer.state}`
    : '';
}

function describeDoNotDisturb(dnd: NonNullable<ListenArgs['doNotDisturb']>): string {
  return dnd.forwardTo === null
    ? 'every call refused 486 Busy Here'
    : `every call forwarded to ${dnd.forwardTo} (302 Moved Temporarily)`;
}
