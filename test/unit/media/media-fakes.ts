import type { TransportAddress } from '../../../src-shared/domain.js';
import { classifyPacket, type PacketKind } from '../../../src-main/net/packet-kind.js';
import type { DatagramHandler } from '../../../src-main/net/udp-endpoint.js';
import type { MediaClock } from '../../../src-main/media/media-clock.js';
import type { RtpTransport } from '../../../src-main/media/rtp-session.js';

/** A clock that only moves when told to, firing due timers in order. */
export class FakeClock implements MediaClock {
  private time = 1000;
  private nextId = 0;
  private readonly timers = new Map<number, { due: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): () => void {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + Math.max(0, delayMs), callback });
    return () => this.timers.delete(id);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing each timer at its due time. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next[1].due > end) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].due);
      next[1].callback();
    }
    this.time = end;
  }

  /** Jumps time forward without firing anything (a blocked event loop), then fires what is due. */
  stall(ms: number): void {
    this.time += ms;
    this.advance(0);
  }

  private earliest(): [number, { due: number; callback: () => void }] | undefined {
    let best: [number, { due: number; callback: () => void }] | undefined;
    for (const entry of this.timers) if (!best || entry[1].due < best[1].due) best = entry;
    return best;
  }
}

/** An in-memory socket: records what is sent, delivers what the test injects. */
export class FakeTransport implements RtpTransport {
  readonly sent: Array<{ datagram: Buffer; to: TransportAddress }> = [];
  private readonly handlers = new Map<PacketKind, Set<DatagramHandler>>();

  on(kind: PacketKind, handler: DatagramHandler): () => void {
    const set = this.handlers.get(kind) ?? new Set<DatagramHandler>();
    this.handlers.set(kind, set);
    set.add(handler);
    return () => set.delete(handler);
  }

  send(datagram: Uint8Array | string, to: TransportAddress): Promise<void> {
    this.sent.push({ datagram: Buffer.from(datagram), to: { ...to } });
    return Promise.resolve();
  }

  deliver(datagram: Uint8Array, from: TransportAddress): void {
    const buffer = Buffer.from(datagram);
    for (const handler of this.handlers.get(classifyPacket(buffer, 'media')) ?? []) {
      handler(buffer, from);
    }
  }

  get listenerCount(): number {
    let count = 0;
    for (const set of this.handlers.values()) count += set.size;
    return count;
  }
}
