import type { TransportAddress } from '../../src-shared/domain.js';
import type { MediaTransport } from './media-transport.js';
import { classifyPacket } from './packet-kind.js';
import type { TurnClient } from './turn-client.js';
import type { DatagramHandler, UdpEndpoint } from './udp-endpoint.js';

/** After a ChannelBind failed, wait this long before asking again for the same peer. */
const CHANNEL_RETRY_MS = 5000;

/**
 * The call's socket as RtpSession sees it, with the media going through a TURN relay: RTP sent
 * to a peer leaves as ChannelData (or, until the peer's channel is bound, as a Send indication)
 * towards the TURN server, and what peers send to the relayed address comes back to the 'rtp'
 * handlers with the peer as its source. Every other kind of datagram (STUN, and with it the
 * TURN server's own answers) keeps arriving on the socket itself.
 *
 * A channel is bound on the first packet to each destination, so the session's symmetric-RTP
 * latching onto a new source needs nothing from the caller; binding also installs the
 * permission, so the few packets sent before the answer are all that the relay may drop.
 * Packets arriving directly on the socket are not passed to 'rtp' handlers: with a relay in use
 * the peers know only the relayed address, and anything else is not from them.
 */
export function relayTransport(
  turn: TurnClient,
  endpoint: Pick<UdpEndpoint, 'on'>,
): MediaTransport {
  const channelRequested = new Map<string, number>();

  const ensureChannel = (to: TransportAddress) => {
    const key = `${to.address}:${to.port}`;
    const since = channelRequested.get(key);
    if (
      since !== undefined &&
      (since === Infinity || performance.now() - since < CHANNEL_RETRY_MS)
    ) {
      return;
    }
    channelRequested.set(key, Infinity);
    turn.bindChannel(to).catch(() => {
      channelRequested.set(key, performance.now());
    });
  };

  return {
    on(kind, handler: DatagramHandler) {
      if (kind !== 'rtp') return endpoint.on(kind, handler);
      return turn.onData((data, peer) => {
        // RTP and RTCP (RFC 7983: first byte 128–191); anything else a peer relays is not media.
        if (classifyPacket(data, 'media') === 'rtp') handler(data, peer);
      });
    },
    send(datagram, to) {
      if (turn.state !== 'allocated') {
        return Promise.reject(new Error(`TURN relay not available (${turn.state})`));
      }
      ensureChannel(to);
      turn.send(to, Buffer.from(datagram));
      return Promise.resolve();
    },
  };
}
