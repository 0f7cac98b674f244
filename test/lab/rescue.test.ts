/**
 * One-way audio rescued mid-call, judged on the wire: a strict provider (RTP only to the SDP
 * address) talks with the client until the network breaks the media one way; the engine must
 * re-INVITE with a media address that works, and the provider's audio must reach the client
 * again. Captured at the router's client-side interface (what reaches the client) and at the
 * provider (what the provider receives). Each case has its control with `--no-rescue`, where the
 * call stays one-way: the proof that the test can fail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  rtpPackets,
  sipRequests,
  startCapture,
  type SipPacket,
  type UdpPacket,
} from './support/capture.js';
import {
  clientRtpPort,
  moveMapping,
  moveMediaMapping,
  symmetricMediaToProvider,
} from './support/media-mapping.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  delay,
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
} from './support/peers.js';
import {
  startTurnServer,
  TURN_ADDRESS,
  TURN_PASSWORD,
  TURN_PORT,
  TURN_USER,
} from './support/turn-server.js';

const skip = announceSkip(
  'lab: one-way audio rescue',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack', 'tshark']),
);

const PROVIDER_MEDIA = { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT };
/** The public port the router maps the RTP socket to once it lost the first mapping. */
const MOVED_PORT = 40_000;

interface RescueCallReport {
  answered: boolean;
  rtp: { sent: number; received: number };
  relay?: { relayed: { address: string; port: number } | null; state: string };
  rescue: { at: number; from: string; to: string; recovered: boolean } | null;
}

function call(lab: Lab, seconds: number, extra: string[]) {
  return runNatter(
    lab,
    [
      'call',
      '4443',
      '--server',
      `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--seconds',
      String(seconds),
      '--json',
      ...extra,
    ],
    { env: { NATTER_TURN_PASSWORD: TURN_PASSWORD } },
  );
}

/**
 * Media the relay passes to the client: ChannelData (first byte 0x40–0x7f, RFC 8656 §12.4) or a
 * Data indication (0x0017), not the relay's answers to Allocate and the like.
 */
function relayedMedia(packet: UdpPacket, clientAddress: string): boolean {
  if (packet.src !== TURN_ADDRESS || packet.sport !== TURN_PORT || packet.dst !== clientAddress) {
    return false;
  }
  const first = packet.payload[0] ?? 0;
  return (first >= 0x40 && first <= 0x7f) || packet.payload.readUInt16BE(0) === 0x0017;
}

/** INVITEs the provider received, one per transaction (retransmissions folded). */
function invitesAt(provider: UdpPacket[]): SipPacket[] {
  const seen = new Set<number>();
  return sipRequests(provider, 'INVITE').filter((invite) => {
    const cseq = invite.cseq?.number ?? -1;
    if (seen.has(cseq)) return false;
    seen.add(cseq);
    return true;
  });
}

/** Packets after `time` (seconds since the epoch). */
const after = (packets: UdpPacket[], time: number) => packets.filter((p) => p.time > time);

describe.skipIf(skip)('one-way audio rescued mid-call', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  /**
   * A cone NAT that forgets the RTP mapping mid-call and maps the socket to a new public port:
   * the provider keeps sending to the old one. Returns what the wire showed.
   */
  async function mappingMovesMidCall(extra: string[], move = moveMapping) {
    const current = createLab({ nat: 'cone' });
    lab = current;
    await startCoturn(current);
    await startSipp(current, 'provider-rescue.xml');
    const clientSide = await startCapture(current, current.router, current.routerLanInterface);
    const providerSide = await startCapture(current, current.internet, current.internetInterface);
    const running = call(current, 14, extra);
    const localPort = await clientRtpPort(current);
    expect(localPort, 'no RTP flow from the client toward the provider').not.toBeNull();
    await delay(2000);
    const brokeAt = Date.now() / 1000;
    move(current, localPort ?? 0, MOVED_PORT);
    const run = await running;
    const client = await clientSide.stop();
    const provider = await providerSide.stop();
    expect(run.json, run.stderr).not.toBeNull();
    const report = run.json as unknown as RescueCallReport;
    const toClient = rtpPackets(client, {
      from: PROVIDER_MEDIA,
      to: { address: current.clientAddress },
    });
    return { report, stderr: run.stderr, brokeAt, toClient, provider, localPort };
  }

  it('a moved mapping: re-INVITE with the refreshed STUN mapping within 5 s, then audio both ways', async () => {
    const { report, stderr, brokeAt, toClient, provider } = await mappingMovesMidCall([]);
    // Audio reached the client before the break.
    expect(toClient.filter((p) => p.time < brokeAt).length).toBeGreaterThan(50);
    const invites = invitesAt(provider);
    expect(invites.length, stderr).toBe(2);
    const reinvite = invites[1];
    expect(reinvite?.sdp?.connection).toBe(PUBLIC.router);
    expect(reinvite?.sdp?.audioPort).toBe(MOVED_PORT);
    expect((reinvite?.time ?? Infinity) - brokeAt).toBeLessThan(5);
    const rescuedAt = reinvite?.time ?? Infinity;
    // Both ways after the rescue, on the wire: the provider's RTP reaches the client, and ours
    // reaches the provider from the new mapping.
    expect(after(toClient, rescuedAt + 0.5).length).toBeGreaterThan(100);
    const fromMoved = rtpPackets(after(provider, rescuedAt), {
      from: { address: PUBLIC.router, port: MOVED_PORT },
      to: PROVIDER_MEDIA,
    });
    expect(fromMoved.length).toBeGreaterThan(100);
    expect(report.answered).toBe(true);
    expect(report.rescue).toMatchObject({ from: 'stun', to: 'stun', recovered: true });
    expect(report.rescue?.at).toBeGreaterThan(3);
    expect(report.rescue?.at).toBeLessThan(10);
  }, 60_000);

  it('only the media flow moved (STUN still sees the old port), no relay: the media moves to new ports, re-INVITEd, audio both ways', async () => {
    const { report, stderr, brokeAt, toClient, provider } = await mappingMovesMidCall(
      [],
      moveMediaMapping,
    );
    expect(toClient.filter((p) => p.time < brokeAt).length).toBeGreaterThan(50);
    const invites = invitesAt(provider);
    expect(invites.length, stderr).toBe(2);
    const [offer, reinvite] = invites;
    const firstPort = offer?.sdp?.audioPort ?? -1;
    const newPort = reinvite?.sdp?.audioPort ?? -1;
    // Neither the port STUN still names for the old socket nor where its media went now.
    expect(reinvite?.sdp?.connection).toBe(PUBLIC.router);
    expect([firstPort, MOVED_PORT]).not.toContain(newPort);
    expect((reinvite?.time ?? Infinity) - brokeAt).toBeLessThan(5);
    const rescuedAt = reinvite?.time ?? Infinity;
    // Between the break and the rescue our RTP reached the provider from the moved port, then
    // from the new one before the re-INVITE named it: the router had mapped it before the
    // provider could send there. Nothing of the provider's reached the client meanwhile.
    const between = (p: UdpPacket) => p.time > brokeAt + 0.2 && p.time < rescuedAt;
    const oursBetween = rtpPackets(provider.filter(between), { to: PROVIDER_MEDIA });
    expect(oursBetween.filter((p) => p.sport === MOVED_PORT).length).toBeGreaterThan(20);
    expect(oursBetween.filter((p) => p.sport === newPort).length).toBeGreaterThan(0);
    expect(oursBetween.every((p) => p.sport === MOVED_PORT || p.sport === newPort)).toBe(true);
    expect(toClient.filter((p) => p.time > brokeAt + 0.5 && p.time < rescuedAt)).toEqual([]);
    // After it, both ways through the new ports.
    expect(after(toClient, rescuedAt + 0.5).length).toBeGreaterThan(100);
    const fromNew = rtpPackets(after(provider, rescuedAt), {
      from: { address: PUBLIC.router, port: newPort },
      to: PROVIDER_MEDIA,
    });
    expect(fromNew.length).toBeGreaterThan(100);
    expect(report.rescue).toMatchObject({ from: 'stun', to: 'stun', recovered: true });
  }, 60_000);

  it.each([
    ['the whole mapping moved', moveMapping],
    ['only the media flow moved', moveMediaMapping],
  ])(
    'control, --no-rescue, %s: no re-INVITE, and no provider audio reaches the client after the break',
    async (_case, move) => {
      const { report, brokeAt, toClient, provider } = await mappingMovesMidCall(
        ['--no-rescue'],
        move,
      );
      expect(toClient.filter((p) => p.time < brokeAt).length).toBeGreaterThan(50);
      expect(invitesAt(provider).length).toBe(1);
      // The provider goes on sending to the old mapping, which leads nowhere now.
      expect(
        rtpPackets(after(provider, brokeAt + 0.5), { from: PROVIDER_MEDIA }).length,
      ).toBeGreaterThan(50);
      expect(after(toClient, brokeAt + 0.5)).toEqual([]);
      expect(report.rescue).toBeNull();
    },
    60_000,
  );

  /**
   * A NAT that maps media toward the provider symmetrically while STUN sees a cone: the call
   * goes out unrelayed with its STUN address and the provider's audio never arrives.
   */
  async function symmetricForMedia(extra: string[]) {
    const current = createLab({ nat: 'cone' });
    lab = current;
    symmetricMediaToProvider(current);
    await startCoturn(current);
    const turn = await startTurnServer(current);
    await startSipp(current, 'provider-rescue.xml');
    const clientSide = await startCapture(current, current.router, current.routerLanInterface);
    const providerSide = await startCapture(current, current.internet, current.internetInterface);
    // The relay and the provider share the internet namespace: between them is its loopback.
    const relaySide = await startCapture(current, current.internet, 'lo');
    const run = await call(current, 10, [
      '--turn',
      turn.server,
      '--turn-user',
      TURN_USER,
      ...extra,
    ]);
    const client = await clientSide.stop();
    const provider = await providerSide.stop();
    const relay = await relaySide.stop();
    expect(run.json, run.stderr).not.toBeNull();
    return {
      report: run.json as unknown as RescueCallReport,
      stderr: run.stderr,
      client,
      provider,
      relay,
      clientAddress: current.clientAddress,
    };
  }

  it('symmetric for media: rescue to the TURN relay, whose address the re-INVITE carries; audio both ways', async () => {
    const { report, stderr, client, provider, relay, clientAddress } = await symmetricForMedia([]);
    const invites = invitesAt(provider);
    expect(invites.length, stderr).toBe(2);
    expect(invites[0]?.sdp?.connection).toBe(PUBLIC.router);
    const reinvite = invites[1];
    const relayed = report.relay?.relayed;
    expect(relayed?.address, JSON.stringify(report.relay)).toBe(TURN_ADDRESS);
    expect(reinvite?.sdp?.connection).toBe(TURN_ADDRESS);
    expect(reinvite?.sdp?.audioPort).toBe(relayed?.port);
    const rescuedAt = reinvite?.time ?? Infinity;
    // Before the rescue no provider audio reached the client at all.
    expect(rtpPackets(client, { from: PROVIDER_MEDIA, to: { address: clientAddress } })).toEqual(
      [],
    );
    // After it, the provider sends to the relay and receives from it...
    const relayPort = relayed?.port ?? -1;
    const toRelay = rtpPackets(after(relay, rescuedAt), {
      from: PROVIDER_MEDIA,
      to: { address: TURN_ADDRESS, port: relayPort },
    });
    const fromRelay = rtpPackets(after(relay, rescuedAt), {
      from: { address: TURN_ADDRESS, port: relayPort },
      to: PROVIDER_MEDIA,
    });
    expect(toRelay.length).toBeGreaterThan(100);
    expect(fromRelay.length).toBeGreaterThan(100);
    // ...and the relay passes the provider's audio on to the client.
    const relayedToClient = after(client, rescuedAt).filter((p) => relayedMedia(p, clientAddress));
    expect(relayedToClient.length).toBeGreaterThan(100);
    expect(report.rescue).toMatchObject({ from: 'stun', to: 'turn', recovered: true });
    expect(report.rescue?.at).toBeGreaterThan(2.5);
    expect(report.rescue?.at).toBeLessThan(7);
  }, 60_000);

  it('control, --no-rescue: the call stays one-way, no provider audio ever reaches the client', async () => {
    const { report, client, provider, clientAddress } = await symmetricForMedia(['--no-rescue']);
    expect(invitesAt(provider).length).toBe(1);
    expect(rtpPackets(provider, { from: PROVIDER_MEDIA }).length).toBeGreaterThan(100);
    expect(rtpPackets(client, { from: PROVIDER_MEDIA, to: { address: clientAddress } })).toEqual(
      [],
    );
    expect(client.filter((p) => relayedMedia(p, clientAddress))).toEqual([]);
    expect(report.rescue).toBeNull();
    expect(report.rtp.received).toBe(0);
  }, 60_000);
});
