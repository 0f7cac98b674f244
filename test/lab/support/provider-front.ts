/**
 * The provider's front door in the lab, as voip.ms presents itself to a softphone: one address
 * that takes its REGISTER, delivers every incoming call and receives every request the phone
 * sends within a call (the phone sends all requests to its server, never to a caller). Behind
 * it, separate sipp processes play the registrar and each caller; this relay passes datagrams
 * between them unchanged, by Call-ID, as a provider's proxy routes by dialog.
 *
 * ```
 *  engine ──► 127.0.0.1:front ──► registrar sipp (REGISTER, any Call-ID it has not seen)
 *                      │ ◄──────── caller sipps (their INVITEs; the engine's answers and
 *                      └─────────►   re-INVITEs and BYEs go back by Call-ID)
 * ```
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { TransportAddress } from '../../../src-shared/domain.js';

export interface ProviderFront {
  /** Where the engine registers, and where callers send their INVITEs (their sipp target). */
  readonly address: TransportAddress;
  close(): Promise<void>;
}

const callIdOf = (text: string) => /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(text)?.[1] ?? null;
const key = (peer: TransportAddress) => `${peer.address}:${peer.port}`;

/**
 * The front door on loopback; `registrar` is the sipp that answers REGISTER, `callee` (if any)
 * the sipp that takes the calls the engine places, as the provider routes them to the number.
 */
export async function startProviderFront(
  registrar: TransportAddress,
  options: { callee?: TransportAddress } = {},
): Promise<ProviderFront> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const peerOfCall = new Map<string, TransportAddress>();
  const peers = new Set<string>([key(registrar)]);
  let engine: TransportAddress | null = null;
  socket.on('message', (datagram, from) => {
    const source = { address: from.address, port: from.port };
    const callId = callIdOf(datagram.toString('utf8'));
    if (peers.has(key(source)) || (engine && key(engine) !== key(source) && callId)) {
      // From the registrar or a caller: remember whose call it is, and pass it to the engine.
      peers.add(key(source));
      if (callId && key(source) !== key(registrar)) peerOfCall.set(callId, source);
      if (engine) socket.send(datagram, engine.port, engine.address);
      return;
    }
    // From the engine (its first datagram is its REGISTER): to the peer that owns the call.
    engine = source;
    // A call the engine places (an INVITE of a new Call-ID) goes to the callee, if there is one.
    const placed = datagram.toString('latin1', 0, 7) === 'INVITE ';
    if (options.callee && callId && placed && !peerOfCall.has(callId)) {
      peerOfCall.set(callId, options.callee);
    }
    const peer = (callId ? peerOfCall.get(callId) : undefined) ?? registrar;
    socket.send(datagram, peer.port, peer.address);
  });
  const { port } = socket.address();
  return {
    address: { address: '127.0.0.1', port },
    close: () =>
      new Promise((resolveClose) => {
        socket.close(() => resolveClose());
      }),
  };
}
