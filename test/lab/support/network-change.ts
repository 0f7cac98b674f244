/**
 * One network change in the lab, judged on the provider's side of the wire: the client (the
 * natter CLI) registers, or is in a call, through the first router; then it moves to the second
 * router (another public address) or its address is replaced in place. The provider's captures
 * say when it saw a REGISTER with the new public Contact, when a re-INVITE carried the new media
 * address, and when RTP flowed both ways between the provider and that address.
 */
import {
  contactHostPort,
  rtpPackets,
  sipPackets,
  startCapture,
  type SipPacket,
  type UdpPacket,
} from './capture.js';
import { Lab, PUBLIC } from './netns-lab.js';
import {
  delay,
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
  waitFor,
  type NatterRun,
} from './peers.js';

export type NetworkChangeKind = 'move' | 'replace';

export interface NetworkChangeOptions {
  kind: NetworkChangeKind;
  /** In a call when the network changes (else registered and idle). */
  inCall: boolean;
  /** Network-change handling on (the default) or off (`--no-network-watch`, the control). */
  watch: boolean;
  /** How long the provider is watched after the change. */
  observeMs?: number;
  /** Binds the client's sockets to its address (`--local-address`) instead of all interfaces. */
  bindToAddress?: boolean;
}

export interface NetworkChangeResult {
  /** The Contact registered before the change. */
  contactBefore: { address: string; port: number } | null;
  /** The first REGISTER after the change whose Contact is the client's new public mapping. */
  register: SipPacket | null;
  /** Seconds from the change to the provider's 200 OK for that REGISTER. */
  reRegisteredAfter: number | null;
  /** The first re-INVITE after the change (in a call). */
  reInvite: SipPacket | null;
  /** Seconds from the change to that re-INVITE. */
  reInviteAfter: number | null;
  /**
   * Seconds from the change until RTP flowed both ways between the provider and the address
   * the re-INVITE advertised: the provider heard the client from there and sent to it.
   */
  audioResumedAfter: number | null;
  /** RTP packets the provider sent to the re-INVITE's address. */
  rtpToNewAddress: number;
  /** RTP packets the provider received from the second router's address (after a move). */
  rtpFromNewRouter: number;
  run: NatterRun;
  sippExit: number | null;
}

const MOVED_PUBLIC = PUBLIC.secondRouter;
const REPLACED_ADDRESS = '192.168.50.3';

export async function measureNetworkChange(
  options: NetworkChangeOptions,
): Promise<NetworkChangeResult> {
  const observeMs = options.observeMs ?? 8000;
  const lab = Lab.create({ nat: 'cone', secondRouter: options.kind === 'move' });
  try {
    await startCoturn(lab);
    const sipp = await startSipp(
      lab,
      options.inCall ? 'provider-follows-reinvite.xml' : 'provider-registrar.xml',
      { calls: 20 },
    );
    const wires = await Promise.all([
      startCapture(lab, lab.internet, lab.internetInterface),
      ...(options.kind === 'move'
        ? [startCapture(lab, lab.internet, lab.secondInternetInterface)]
        : []),
    ]);
    const sessionSeconds = (options.inCall ? 3 : 6) + Math.ceil(observeMs / 1000) + 3;
    const common = [
      '--server',
      `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--stun',
      `${PUBLIC.stunB}:3478`,
      '--seconds',
      String(sessionSeconds),
      '--json',
      // The control switches the mid-call rescue off too: it would notice the one-way audio the
      // move causes after 3 s and re-INVITE by itself, which is another healing, not this one.
      ...(options.watch ? [] : ['--no-network-watch', '--no-rescue']),
      ...(options.bindToAddress ? ['--local-address', lab.clientAddress] : []),
    ];
    const running = runNatter(
      lab,
      options.inCall ? ['call', '4443', ...common] : ['listen', ...common],
      { timeoutMs: 60_000 },
    );
    const sent = (start: string) =>
      sipp.messages().some((m) => m.direction === 'sent' && m.startLine.startsWith(start));
    const ready = options.inCall
      ? await waitFor(
          () =>
            sipp
              .messages()
              .some((m) => m.direction === 'received' && m.startLine.startsWith('ACK')),
          15_000,
        )
      : await waitFor(() => sent('SIP/2.0 200'), 15_000);
    if (!ready) throw new Error(`the client never got going: ${sipp.output().slice(-500)}`);
    // Settled on the first network: in a call, audio flowing; idle, the registrar's scenario has
    // let that registration go (sipp would answer its Call-ID's next REGISTER to the old address).
    await delay(options.inCall ? 2000 : 5000);
    const changedAt = Date.now() / 1000;
    if (options.kind === 'move') lab.moveClientToSecondRouter();
    else lab.replaceClientAddress(REPLACED_ADDRESS);
    await delay(observeMs);
    const run = await running;
    const sippExit = await Promise.race([sipp.exited, delay(3000).then(() => null)]);
    const captured = (await Promise.all(wires.map((wire) => wire.stop())))
      .flat()
      .sort((a, b) => a.time - b.time);
    return { ...judge(captured, changedAt, options.kind), run, sippExit };
  } finally {
    lab.destroy();
  }
}

function judge(
  packets: UdpPacket[],
  changedAt: number,
  kind: NetworkChangeKind,
): Omit<NetworkChangeResult, 'run' | 'sippExit'> {
  const sip = sipPackets(packets);
  const fromClient = (m: SipPacket) => m.dst === PUBLIC.provider && m.dport === PROVIDER_SIP_PORT;
  const registers = sip.filter((m) => fromClient(m) && m.method === 'REGISTER');
  const before = registers.filter((m) => m.time < changedAt).at(-1);
  const contactBefore = contactHostPort(before?.contact ?? null);
  // The new public Contact: the address the provider sees the REGISTER come from, and not the
  // one registered before (a move changes the public address; a new local address, the port).
  const register =
    registers.find((m) => {
      const contact = contactHostPort(m.contact);
      return (
        m.time > changedAt &&
        contact !== null &&
        contact.address === m.src &&
        contact.port === m.sport &&
        (kind === 'replace' || contact.address === MOVED_PUBLIC) &&
        !(contact.address === contactBefore?.address && contact.port === contactBefore.port)
      );
    }) ?? null;
  const accepted = register
    ? sip.find(
        (m) =>
          m.status === 200 &&
          m.cseq?.method === 'REGISTER' &&
          m.callId === register.callId &&
          m.cseq.number >= (register.cseq?.number ?? 0) &&
          m.time >= register.time,
      )
    : undefined;
  const invites = sip.filter((m) => fromClient(m) && m.method === 'INVITE');
  const reInvite = invites.find((m) => m.time > changedAt && m.sdp?.connection) ?? null;
  let audioResumedAfter: number | null = null;
  let rtpToNewAddress = 0;
  const address = reInvite?.sdp?.connection;
  const port = reInvite?.sdp?.audioPort;
  if (address && port) {
    const media = { address, port };
    const provider = { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT };
    const heard = rtpPackets(packets, { from: media, to: provider }).filter(
      (p) => p.time > changedAt,
    );
    const spoken = rtpPackets(packets, { from: provider, to: media }).filter(
      (p) => p.time > changedAt,
    );
    rtpToNewAddress = spoken.length;
    if (heard[0] && spoken[0]) {
      audioResumedAfter = Math.max(heard[0].time, spoken[0].time) - changedAt;
    }
  }
  return {
    contactBefore,
    register,
    reRegisteredAfter: accepted ? accepted.time - changedAt : null,
    reInvite,
    reInviteAfter: reInvite ? reInvite.time - changedAt : null,
    audioResumedAfter,
    rtpToNewAddress,
    rtpFromNewRouter: rtpPackets(packets, {
      from: { address: MOVED_PUBLIC },
      to: { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT },
    }).length,
  };
}
