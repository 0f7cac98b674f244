/**
 * RFC 4733 telephone-events for DTMF: the 4-byte event payload, a sender that turns digits into
 * packets, and a receiver that reports each digit once despite the redundant end packets.
 */

const EVENT_CODES = '0123456789*#ABCD';

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  /** In timestamp units (8 kHz samples). */
  duration: number;
}

export function digitToEvent(digit: string): number | null {
  const index = EVENT_CODES.indexOf(digit.toUpperCase());
  return index < 0 ? null : index;
}

export function eventToDigit(event: number): string | null {
  return EVENT_CODES[event] ?? null;
}

export function encodeTelephoneEvent(event: TelephoneEvent): Uint8Array {
  const out = new Uint8Array(4);
  out[0] = event.event & 0xff;
  out[1] = (event.end ? 0x80 : 0) | (event.volume & 0x3f);
  out[2] = (event.duration >> 8) & 0xff;
  out[3] = event.duration & 0xff;
  return out;
}

export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return {
    event: payload[0] ?? 0,
    end: ((payload[1] ?? 0) & 0x80) !== 0,
    volume: (payload[1] ?? 0) & 0x3f,
    duration: ((payload[2] ?? 0) << 8) | (payload[3] ?? 0),
  };
}

/** One RTP packet to send for a DTMF event, relative to the event's start. */
export interface DtmfPacketPlan {
  marker: boolean;
  payload: Uint8Array;
  /** True for the first packet of a digit: the timestamp must be taken fresh then. */
  startsEvent: boolean;
  /** True for packets that carry no event (the gap between digits). */
  gap: boolean;
}

/**
 * Plans the 20 ms packets for a run of digits: per digit, `toneMs` of event packets with growing
 * duration (marker on the first), the end packet sent three times (RFC 4733 §2.5.1.4), then a gap.
 */
export function planDtmf(digits: string, toneMs = 100, gapMs = 60, volume = 10): DtmfPacketPlan[] {
  const plan: DtmfPacketPlan[] = [];
  for (const digit of digits) {
    const event = digitToEvent(digit);
    if (event === null) continue;
    const steps = Math.max(1, Math.round(toneMs / 20));
    for (let step = 1; step <= steps; step++) {
      const end = step === steps;
      const payload = encodeTelephoneEvent({ event, end, volume, duration: step * 160 });
      plan.push({ marker: step === 1, payload, startsEvent: step === 1, gap: false });
      if (end) {
        plan.push({ marker: false, payload, startsEvent: false, gap: false });
        plan.push({ marker: false, payload, startsEvent: false, gap: false });
      }
    }
    for (let gap = 0; gap < Math.round(gapMs / 20); gap++) {
      plan.push({ marker: false, payload: new Uint8Array(0), startsEvent: false, gap: true });
    }
  }
  return plan;
}

/** Reports each received digit once: events are keyed by their RTP timestamp. */
export class DtmfReceiver {
  private readonly reported = new Set<number>();
  private readonly order: number[] = [];

  /** Returns the digit when this packet is the first to complete (or start) a new event. */
  receive(timestamp: number, payload: Uint8Array): string | null {
    const event = decodeTelephoneEvent(payload);
    if (!event || this.reported.has(timestamp)) return null;
    const digit = eventToDigit(event.event);
    if (digit === null) return null;
    this.reported.add(timestamp);
    this.order.push(timestamp);
    if (this.order.length > 64) this.reported.delete(this.order.shift() ?? -1);
    return digit;
  }
}
