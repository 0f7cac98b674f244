import type { TransportAddress } from '../../src-shared/domain.js';
import type { DatagramHandler, UdpEndpoint } from '../../src-main/net/udp-endpoint.js';
import { classifyPacket, type PacketKind } from '../../src-main/net/packet-kind.js';

/** An in-memory stand-in for {@link UdpEndpoint}: records what is sent, injects what arrives. */
export class FakeEndpoint implements Pick<
  UdpEndpoint,
  'on' | 'onClose' | 'send' | 'post' | 'isClosed'
> {
  readonly sent: Array<{ text: string; to: TransportAddress }> = [];
  isClosed = false;
  private readonly handlers = new Map<PacketKind, Set<DatagramHandler>>();
  private readonly closeListeners = new Set<() => void>();

  on(kind: PacketKind, handler: DatagramHandler): () => void {
    const set = this.handlers.get(kind) ?? new Set<DatagramHandler>();
    this.handlers.set(kind, set);
    set.add(handler);
    return () => set.delete(handler);
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  send(datagram: Uint8Array | string, to: TransportAddress): Promise<void> {
    const text = typeof datagram === 'string' ? datagram : Buffer.from(datagram).toString('utf8');
    this.sent.push({ text, to });
    return Promise.resolve();
  }

  post(datagram: Uint8Array, to: TransportAddress): boolean {
    if (this.isClosed) return false;
    this.sent.push({ text: Buffer.from(datagram).toString('utf8'), to });
    return true;
  }

  deliver(text: string, from: TransportAddress): void {
    const datagram = Buffer.from(text, 'utf8');
    for (const handler of this.handlers.get(classifyPacket(datagram, 'sip')) ?? [])
      handler(datagram, from);
  }

  close(): void {
    this.isClosed = true;
    for (const listener of this.closeListeners) listener();
  }

  /** How many times a message starting with `startLine` was sent. */
  count(startLine: string): number {
    return this.sent.filter(({ text }) => text.startsWith(startLine)).length;
  }
}
