import dgram from 'node:dgram';
import dns from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import type { TransportAddress } from '../../src-shared/domain.js';
import { classifyPacket, type PacketKind, type SocketRole } from './packet-kind.js';

export type DatagramHandler = (datagram: Buffer, from: TransportAddress) => void;

export interface UdpEndpointOptions {
  /** Local address to bind; all interfaces by default. */
  address?: string;
  /** Local port; 0 (any free port) by default. */
  port?: number;
  /** What the socket carries besides STUN; `media` (RTP, RTCP, TURN) by default. */
  role?: SocketRole;
}

/**
 * One UDP socket shared by STUN and the protocol it discovers a mapping for (SIP or RTP), so that
 * the public address learned is the one the traffic really uses. Handlers register per packet
 * kind; a datagram of a kind nobody handles is counted and dropped, never thrown.
 */
export class UdpEndpoint {
  private readonly handlers = new Map<PacketKind, Set<DatagramHandler>>();
  private readonly events = new EventEmitter();
  private closed = false;
  /** Datagrams dropped because no handler took their kind. */
  droppedDatagrams = 0;
  /** Errors the socket reported (a failed receive); the socket stays open. */
  socketErrors = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly role: SocketRole,
  ) {
    const { address, port } = socket.address();
    this.bound = { address, port };
    socket.on('message', (datagram, rinfo) => this.dispatch(datagram, rinfo));
    // Counted before any owner listens: an 'error' nobody listens for would throw out of the
    // socket and end the process, and most owners (the SIP and RTP sockets) have nothing to add.
    this.events.on('error', () => (this.socketErrors += 1));
    socket.on('error', (error) => this.events.emit('error', error));
    socket.on('close', () => {
      this.closed = true;
      this.events.emit('close');
    });
  }

  static bind(options: UdpEndpointOptions = {}): Promise<UdpEndpoint> {
    const socket = dgram.createSocket({ type: 'udp4', lookup: lookupLiteral });
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        socket.close();
        reject(error);
      };
      socket.once('error', onError);
      socket.bind({ port: options.port ?? 0, address: options.address, exclusive: true }, () => {
        socket.off('error', onError);
        resolve(new UdpEndpoint(socket, options.role ?? 'media'));
      });
    });
  }

  /**
   * The bound address (may be 0.0.0.0; see {@link localAddressToward} for the routed source),
   * read once at bind: a closed socket throws when asked, and a STUN check still running when
   * its socket closes reads it after.
   */
  readonly bound: TransportAddress;

  get isClosed(): boolean {
    return this.closed;
  }

  /** Registers a handler for one kind of datagram; returns a function that removes it. */
  on(kind: PacketKind, handler: DatagramHandler): () => void {
    let set = this.handlers.get(kind);
    if (!set) {
      set = new Set();
      this.handlers.set(kind, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  onError(listener: (error: Error) => void): () => void {
    this.events.on('error', listener);
    return () => this.events.off('error', listener);
  }

  onClose(listener: () => void): () => void {
    this.events.on('close', listener);
    return () => this.events.off('close', listener);
  }

  send(datagram: Uint8Array | string, to: TransportAddress): Promise<void> {
    if (this.closed) return Promise.reject(new Error('socket is closed'));
    return new Promise((resolve, reject) => {
      this.socket.send(datagram, to.port, to.address, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /**
   * Sends and does not wait: no callback, so no promise and no deferred call per datagram (dgram
   * finishes such a send inside the call). For a stream whose losses the far end counts anyway
   * (RTP, RTCP); false when the socket is closed. dgram reports no failure of such a send.
   */
  post(datagram: Uint8Array, to: TransportAddress): boolean {
    if (this.closed) return false;
    try {
      this.socket.send(datagram, to.port, to.address);
      return true;
    } catch {
      // Closed between the check and the send, or an address dgram refuses.
      return false;
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }

  private dispatch(datagram: Buffer, rinfo: dgram.RemoteInfo): void {
    const set = this.handlers.get(classifyPacket(datagram, this.role));
    if (!set || set.size === 0) {
      this.droppedDatagrams++;
      return;
    }
    const from = { address: rinfo.address, port: rinfo.port };
    for (const handler of set) {
      try {
        handler(datagram, from);
      } catch (error) {
        // A handler that chokes on a hostile datagram must not take the socket down with it.
        this.droppedDatagrams++;
        this.events.emit('handler-error', error);
      }
    }
  }
}

let lastLiteral = '';

/**
 * dgram resolves the destination of every send, and `dns.lookup` answers even an address
 * literal on the next tick: a deferral and two callbacks per RTP packet. Literals (every media
 * and SIP peer once resolved) are answered at once, as dgram itself does on a connected socket;
 * names still go to the resolver.
 */
function lookupLiteral(
  hostname: string,
  options: dns.LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  // A call sends to one peer fifty times a second: the address checked last needs no new check.
  if (hostname === lastLiteral || isIPv4(hostname)) {
    lastLiteral = hostname;
    callback(null, hostname, 4);
  } else dns.lookup(hostname, options, callback);
}

/**
 * The source address the kernel would pick to reach `host`: the "local address" of the NAT
 * comparison when the socket is bound to all interfaces. No packet is sent (connect on UDP only
 * selects a route).
 */
export function localAddressToward(host: string, port = 9): Promise<string> {
  const probe = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    probe.once('error', (error) => {
      probe.close();
      reject(error);
    });
    probe.connect(port, host, () => {
      const { address } = probe.address();
      probe.close();
      resolve(address);
    });
  });
}
