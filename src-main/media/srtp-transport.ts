import type { TransportAddress } from '../../src-shared/domain.js';
import type { MediaTransport } from '../net/media-transport.js';
import type { DatagramHandler } from '../net/udp-endpoint.js';
import { isRtcpSecondByte } from './rtcp.js';
import type { SrtpRejection } from './srtp.js';
import type { SrtpContexts } from './srtp-negotiation.js';

/** SRTP packets dropped on receipt, by reason. */
export type SrtpDropCounters = Record<SrtpRejection, number>;

export function emptySrtpDrops(): SrtpDropCounters {
  return { malformed: 0, auth: 0, replay: 0 };
}

/**
 * A media socket as the RTP session sees it, with SRTP in between: what the session sends is
 * protected, what arrives as RTP is unprotected before the session parses it, and a packet that
 * fails is dropped and counted. RTP and RTCP are told apart by the second byte (RFC 5761 §4),
 * so RTCP muxed on the RTP port becomes SRTCP too. STUN and TURN on the same socket never pass
 * through here. `contexts` is asked per packet: plain RTP while it gives null, and a new far-end
 * key from a re-INVITE applies from the next packet.
 */
export function srtpTransport(
  inner: MediaTransport,
  contexts: () => SrtpContexts | null,
  drops: SrtpDropCounters,
): MediaTransport {
  return {
    on(kind, handler: DatagramHandler) {
      if (kind !== 'rtp') return inner.on(kind, handler);
      return inner.on('rtp', (datagram: Buffer, from: TransportAddress) => {
        const current = contexts();
        if (!current) {
          handler(datagram, from);
          return;
        }
        const opened = isRtcpSecondByte(datagram[1] ?? 0)
          ? current.inbound.unprotectRtcp(datagram)
          : current.inbound.unprotectRtp(datagram);
        if (opened.ok) handler(opened.packet, from);
        else drops[opened.reason]++;
      });
    },
    send(datagram, to) {
      const current = contexts();
      if (!current || typeof datagram === 'string') return inner.send(datagram, to);
      const secured = protect(current, datagram);
      // Never in clear what should have been encrypted.
      if (!secured) return Promise.reject(new Error('the packet could not be protected'));
      return inner.send(secured, to);
    },
    ...(inner.post ? { post: postThrough(inner.post.bind(inner), contexts) } : {}),
  };
}

function protect(contexts: SrtpContexts, datagram: Uint8Array): Buffer | null {
  return isRtcpSecondByte(datagram[1] ?? 0)
    ? contexts.outbound.protectRtcp(datagram)
    : contexts.outbound.protectRtp(datagram);
}

/** The socket's cheap send without a promise, protecting as `send` does (false: not sent). */
function postThrough(
  post: NonNullable<MediaTransport['post']>,
  contexts: () => SrtpContexts | null,
): NonNullable<MediaTransport['post']> {
  return (datagram, to) => {
    const current = contexts();
    if (!current) return post(datagram, to);
    const secured = protect(current, datagram);
    return secured ? post(secured, to) : false;
  };
}
