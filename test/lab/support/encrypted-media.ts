/**
 * Judging SRTP on the provider's side of the wire: our RTP read as PCMU as an eavesdropper would
 * (no tone in it when encrypted), the far end's SRTP opened with the key its SDP answer carried
 * (what its echo held after a re-INVITE), and the router rule that keeps a callee's early media
 * from taking the mapping our RTP needs.
 */
import { decodeG711 } from '../../../src-main/media/g711.js';
import { parseAudioSdp } from '../../../src-main/media/sdp.js';
import { SrtpContext } from '../../../src-main/media/srtp.js';
import { ToneDetector } from '../../../src-main/media/tone.js';
import { rtpPackets, type Endpoint, type SipPacket, type UdpPacket } from './capture.js';
import { PUBLIC, type Lab } from './netns-lab.js';

const PCMU = 0;
const FRAME_BYTES = 160;
const RTP_HEADER_BYTES = 12;

/**
 * baresip sends RTP the moment it answers, before our first packet can open the router's
 * mapping; Linux conntrack then keeps that unsolicited flow and moves our RTP to another public
 * port than the SDP names (one-way audio, encrypted or not). A home router's firewall drops
 * unsolicited packets before they make a conntrack entry: so does this one (and the second
 * router, given its namespace and public address).
 */
export function dropUnsolicitedUdp(
  lab: Lab,
  router: string = lab.router,
  publicAddress: string = PUBLIC.router,
): void {
  lab.exec(router, 'iptables', [
    ...['-A', 'INPUT', '-d', publicAddress, '-p', 'udp'],
    ...['-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'],
  ]);
}

/**
 * 20 ms frames of RTP on the wire from or to `address`, read as PCMU as an eavesdropper would:
 * the 160 bytes after the 12-byte header (our packets carry no CSRC or extension), tag or not.
 */
export function wireFrames(
  packets: UdpPacket[],
  direction: 'from' | 'to',
  address: string = PUBLIC.router,
): Int16Array[] {
  return rtpPackets(packets, { [direction]: { address } })
    .filter(
      (packet) =>
        (packet.payload[1]! & 0x7f) === PCMU &&
        packet.payload.length >= RTP_HEADER_BYTES + FRAME_BYTES,
    )
    .map((packet) =>
      decodeG711(packet.payload.subarray(RTP_HEADER_BYTES, RTP_HEADER_BYTES + FRAME_BYTES), 'PCMU'),
    );
}

/** The share of `frames` that carry the 1 kHz test tone. */
export function toneShare(frames: Int16Array[]): number {
  // PCMU off the wire is 8 kHz audio, whatever rate the app's own audio link runs at.
  const detector = new ToneDetector({ frequency: 1000, sampleRate: 8000 });
  for (const frame of frames) detector.push(frame);
  return frames.length === 0 ? 0 : detector.toneFrames / frames.length;
}

/** What opening the far end's SRTP with its own key gave, packet by packet. */
export interface OpenedSrtp {
  /** Packets that authenticated, with their time on the wire, as PCMU frames. */
  frames: Array<{ time: number; frame: Int16Array }>;
  /** Packets that failed authentication or the replay check. */
  rejected: number;
}

/**
 * The far end's SRTP from `from`, opened in wire order with the key of the latest `a=crypto`
 * it sent in `answers` (SDP in clear text: the call's SIP went over UDP). A far end that kept
 * its index going across a re-INVITE opens throughout; one that restarted it, or changed key
 * without saying, fails from there.
 */
export function openFarEndSrtp(
  packets: UdpPacket[],
  answers: SipPacket[],
  from: Endpoint,
): OpenedSrtp {
  const keyed = answers
    .map((message) => parseAudioSdp(message.text.slice(message.text.indexOf('\r\n\r\n') + 4)))
    .filter((sdp) => sdp.ok && sdp.crypto.length > 0);
  const latest = keyed.at(-1);
  if (!latest?.ok) return { frames: [], rejected: 0 };
  const crypto = latest.crypto[0]!;
  const context = new SrtpContext(crypto.suite, crypto.key);
  const opened: OpenedSrtp = { frames: [], rejected: 0 };
  for (const packet of rtpPackets(packets, { from })) {
    const result = context.unprotectRtp(packet.payload);
    if (!result.ok) {
      opened.rejected++;
      continue;
    }
    const rtp = result.packet;
    if ((rtp[1]! & 0x7f) !== PCMU || rtp.length < RTP_HEADER_BYTES + FRAME_BYTES) continue;
    opened.frames.push({
      time: packet.time,
      frame: decodeG711(rtp.subarray(RTP_HEADER_BYTES, RTP_HEADER_BYTES + FRAME_BYTES), 'PCMU'),
    });
  }
  return opened;
}
