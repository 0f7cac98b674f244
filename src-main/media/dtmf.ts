/**
 * DTMF as RFC 4733 telephone-events: the 4-octet event payload (§2.3), a sender that turns
 * digits into the packet sequence §2.5.1 describes, and a receiver that reports each digit once
 * however many redundant packets carry it (§2.5.2).
 */

/** Event codes 0–15 of the DTMF named events (RFC 4733 §3.2, Table 3). */
const DTMF_EVENTS = '0123456789*#ABCD';

/** The telephone-event payload (RFC 4733 §2.3). */
export interface TelephoneEvent {
  /** Event code: 0–9, 10 = `*`, 11 = `#`, 12–15 = A–D. */
  event: number;
  /** E bit: this packet ends the event. */
  end: boolean;
  /** Power level in -dBm0 (0–63); DTMF is sent at 0–36. */
  volume: number;
  /** Duration so far, in timestamp units (8 kHz samples), 16 bits. */
  duration: number;
}

export function digitToEvent(digit: string): number | null {
  if (digit.length !== 1) return null;
  const index = DTMF_EVENTS.indexOf(digit.toUpperCase());
  return index < 0 ? null : index;
}

export function eventToDigit(event: number): string | null {
  return Number.isInteger(event) ? (DTMF_EVENTS[event] ?? null) : null;
}

export function encodeTelephoneEvent(event: TelephoneEvent): Uint8Array {
  const duration = Math.max(0, Math.min(0xffff, Math.round(event.duration)));
  return Uint8Array.of(
    event.event & 0xff,
    (event.end ? 0x80 : 0) | (event.volume & 0x3f),
    duration >> 8,
    duration & 0xff,
  );
}

/** Decodes the first event of a payload; null when fewer than 4 octets arrived. */
export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  const flags = payload[1] ?? 0;
  return {
    event: payload[0] ?? 0,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: ((payload[2] ?? 0) << 8) | (payload[3] ?? 0),
  };
}

export interface DtmfSenderOptions {
  /** Tone length per digit; 100 ms by default (ITU-T Q.24 receivers need 40 ms or more). */
  toneMs?: number;
  /** Pause after each digit, so repeated digits stay distinct; 60 ms by default. */
  gapMs?: number;
  /** Power level in -dBm0; 10 by default. */
  volume?: number;
  /** Packet interval; the same as the audio's, 20 ms. */
  ptimeMs?: number;
  /** RTP clock rate of the telephone-event payload; 8000 Hz. */
  clockRate?: number;
}

/** One telephone-event packet to send in place of this interval's audio. */
export interface DtmfPacket {
  digit: string;
  /** Set on the first packet of an event (RFC 4733 §2.5.1.1). */
  marker: boolean;
  /** The event's start: the same for every packet of the event (§2.5.1.2). */
  timestamp: number;
  payload: Uint8Array;
}

/** Copies of the end packet sent in all (§2.5.1.4: the final packet is retransmitted twice). */
const END_PACKET_COPIES = 3;

/**
 * Paces queued digits one packet interval at a time. Each call of {@link next} is one interval:
 * it is handed the RTP timestamp the audio of that interval would carry, and answers with the
 * event packet to send instead of audio, or null when audio may go out (no event in progress,
 * or the pause between digits). The event timestamp is the audio timestamp when the event
 * starts, so the stream's timestamps run on unbroken when audio resumes.
 */
export class DtmfSender {
  private readonly options: Required<DtmfSenderOptions>;
  private readonly queue: string[] = [];
  private current: { digit: string; event: number; timestamp: number; step: number } | null = null;
  private gapLeft = 0;

  constructor(options: DtmfSenderOptions = {}) {
    this.options = { toneMs: 100, gapMs: 60, volume: 10, ptimeMs: 20, clockRate: 8000, ...options };
  }

  /** Queues digits; characters that are not DTMF are skipped. Returns the digits accepted. */
  enqueue(digits: string): string {
    const accepted = [...digits].filter((digit) => digitToEvent(digit) !== null);
    this.queue.push(...accepted);
    return accepted.join('');
  }

  /** Whether digits remain to be sent (including the pause after the last one). */
  get pending(): boolean {
    return this.current !== null || this.gapLeft > 0 || this.queue.length > 0;
  }

  /** Drops queued digits; an event already started is still ended properly. */
  clear(): void {
    this.queue.length = 0;
  }

  /** The packet for this interval, or null when audio may be sent. */
  next(timestamp: number): DtmfPacket | null {
    if (!this.current) {
      if (this.gapLeft > 0) {
        this.gapLeft--;
        return null;
      }
      const digit = this.queue.shift();
      if (digit === undefined) return null;
      this.current = {
        digit,
        event: digitToEvent(digit) ?? 0,
        timestamp: timestamp >>> 0,
        step: 0,
      };
    }
    const { ptimeMs, toneMs, gapMs, volume, clockRate } = this.options;
    const current = this.current;
    const toneSteps = Math.max(1, Math.round(toneMs / ptimeMs));
    current.step++;
    const step = Math.min(current.step, toneSteps);
    const end = current.step >= toneSteps;
    const duration = (step * ptimeMs * clockRate) / 1000;
    const packet: DtmfPacket = {
      digit: current.digit,
      marker: current.step === 1,
      timestamp: current.timestamp,
      payload: encodeTelephoneEvent({ event: current.event, end, volume, duration }),
    };
    if (current.step >= toneSteps + END_PACKET_COPIES - 1) {
      this.current = null;
      this.gapLeft = Math.round(gapMs / ptimeMs);
    }
    return packet;
  }
}

/** Event timestamps remembered for de-duplication; a few seconds' worth of digits. */
const REMEMBERED_EVENTS = 64;

/**
 * Reports each received digit once. Every packet of an event carries the event's start
 * timestamp (RFC 4733 §2.5.1.2), so that timestamp identifies the event: the first packet seen
 * reports the digit (whichever it is, since the first ones may be lost), and the growing
 * updates and the repeated end packets are recognised and ignored.
 */
export class DtmfReceiver {
  private readonly seen = new Set<number>();
  private readonly order: number[] = [];
  private last: { event: number; timestamp: number; ended: boolean } | null = null;

  /** Returns the digit when this packet is the first one of a new event, otherwise null. */
  receive(timestamp: number, payload: Uint8Array, marker = false): string | null {
    const event = decodeTelephoneEvent(payload);
    if (!event) return null;
    const digit = eventToDigit(event.event);
    if (digit === null) return null;
    const last = this.last;
    if (last && last.timestamp === timestamp) {
      last.ended ||= event.end;
      return null;
    }
    if (this.seen.has(timestamp)) return null;
    this.remember(timestamp);
    // An event longer than the 16-bit duration field continues under a new timestamp without
    // the marker (§2.5.1.3): the same digit, not a new one.
    const continuation = last !== null && !last.ended && !marker && last.event === event.event;
    this.last = { event: event.event, timestamp, ended: event.end };
    return continuation ? null : digit;
  }

  private remember(timestamp: number): void {
    this.seen.add(timestamp);
    this.order.push(timestamp);
    if (this.order.length > REMEMBERED_EVENTS) {
      const forgotten = this.order.shift();
      if (forgotten !== undefined) this.seen.delete(forgotten);
    }
  }
}
