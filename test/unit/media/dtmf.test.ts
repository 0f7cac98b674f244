import { describe, expect, it } from 'vitest';
import {
  DtmfReceiver,
  DtmfSender,
  decodeTelephoneEvent,
  digitToEvent,
  encodeTelephoneEvent,
  eventToDigit,
  type DtmfPacket,
} from '../../../src-main/media/dtmf.js';

/** Runs the sender for `intervals` packet times from `timestamp`, as the RTP session would. */
function run(sender: DtmfSender, intervals: number, timestamp = 1000): Array<DtmfPacket | null> {
  return Array.from({ length: intervals }, (_, i) => sender.next(timestamp + i * 160));
}

describe('RFC 4733 telephone-event payload', () => {
  it('encodes the fields where §2.3 puts them', () => {
    const payload = encodeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 800 });
    expect([...payload]).toEqual([11, 0x80 | 10, 0x03, 0x20]);
    expect(decodeTelephoneEvent(payload)).toEqual({
      event: 11,
      end: true,
      volume: 10,
      duration: 800,
    });
  });

  it('caps the duration at 16 bits and refuses a short payload', () => {
    expect(
      decodeTelephoneEvent(encodeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 1e6 }))
        ?.duration,
    ).toBe(0xffff);
    expect(decodeTelephoneEvent(Uint8Array.of(1, 2, 3))).toBeNull();
  });

  it('maps digits to event codes (§3.2)', () => {
    expect([...'0123456789*#ABCD'].map(digitToEvent)).toEqual([...Array(16).keys()]);
    expect(digitToEvent('a')).toBe(12);
    expect(digitToEvent('x')).toBeNull();
    expect(digitToEvent('12')).toBeNull();
    expect(eventToDigit(11)).toBe('#');
    expect(eventToDigit(16)).toBeNull();
  });
});

describe('DtmfSender', () => {
  it('sends one digit as §2.5.1 describes, then pauses', () => {
    const sender = new DtmfSender({ toneMs: 100, gapMs: 60 });
    expect(sender.enqueue('5')).toBe('5');
    const packets = run(sender, 11);
    const events = packets.slice(0, 7);
    expect(events.every((packet) => packet?.timestamp === 1000)).toBe(true);
    expect(events.map((packet) => packet?.marker)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    const decoded = events.map((packet) =>
      decodeTelephoneEvent(packet?.payload ?? new Uint8Array()),
    );
    expect(decoded.map((event) => event?.duration)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(decoded.map((event) => event?.end)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(decoded.every((event) => event?.event === 5)).toBe(true);
    // The pause: three intervals free for audio, still pending until it is over.
    expect(packets.slice(7, 10)).toEqual([null, null, null]);
    expect(sender.pending).toBe(false);
  });

  it('starts each digit at the timestamp of its own first interval', () => {
    const sender = new DtmfSender();
    sender.enqueue('12');
    const packets = run(sender, 20);
    const starts = packets.filter((packet) => packet?.marker);
    expect(starts.map((packet) => packet?.digit)).toEqual(['1', '2']);
    expect(starts.map((packet) => packet?.timestamp)).toEqual([1000, 1000 + 10 * 160]);
  });

  it('skips characters that are not DTMF and reports what it accepted', () => {
    const sender = new DtmfSender();
    expect(sender.enqueue('1-2 x#')).toBe('12#');
    expect(sender.pending).toBe(true);
    sender.clear();
    expect(sender.pending).toBe(false);
    expect(sender.next(0)).toBeNull();
  });

  it('ends an event already begun even when the queue is cleared', () => {
    const sender = new DtmfSender();
    sender.enqueue('77');
    run(sender, 2);
    sender.clear();
    const rest = run(sender, 12).filter((packet) => packet !== null);
    expect(rest).toHaveLength(5);
    expect(decodeTelephoneEvent(rest[4]?.payload ?? new Uint8Array())?.end).toBe(true);
  });
});

describe('DtmfReceiver', () => {
  function transmit(digits: string, drop: (index: number) => boolean = () => false): string {
    const sender = new DtmfSender();
    const receiver = new DtmfReceiver();
    sender.enqueue(digits);
    let heard = '';
    let index = 0;
    for (let interval = 0; sender.pending; interval++) {
      const packet = sender.next(5000 + interval * 160);
      if (!packet || drop(index++)) continue;
      heard += receiver.receive(packet.timestamp, packet.payload, packet.marker) ?? '';
    }
    return heard;
  }

  it('reports each digit once, whatever the updates and repeated end packets', () => {
    expect(transmit('1#9*0')).toBe('1#9*0');
  });

  it('keeps repeated digits apart', () => {
    expect(transmit('555')).toBe('555');
  });

  it('still reports a digit whose first packets were lost', () => {
    expect(transmit('48', (index) => index % 7 < 3)).toBe('48');
  });

  it('ignores a retransmission arriving after the next event began', () => {
    const receiver = new DtmfReceiver();
    const end = (event: number) =>
      encodeTelephoneEvent({ event, end: true, volume: 10, duration: 800 });
    expect(receiver.receive(100, end(1), true)).toBe('1');
    expect(receiver.receive(2000, end(2), true)).toBe('2');
    expect(receiver.receive(100, end(1))).toBeNull();
  });

  it('hears a long event continued under a new timestamp as one digit (§2.5.1.3)', () => {
    const receiver = new DtmfReceiver();
    const update = (end: boolean) =>
      encodeTelephoneEvent({ event: 3, end, volume: 10, duration: 0xffff });
    expect(receiver.receive(0, update(false), true)).toBe('3');
    expect(receiver.receive(0xffff, update(false))).toBeNull();
    expect(receiver.receive(0xffff, update(true))).toBeNull();
    expect(receiver.receive(0x30000, update(false), true)).toBe('3');
  });

  it('ignores malformed payloads and events that are not digits', () => {
    const receiver = new DtmfReceiver();
    expect(receiver.receive(1, Uint8Array.of(1))).toBeNull();
    expect(
      receiver.receive(2, encodeTelephoneEvent({ event: 16, end: false, volume: 0, duration: 0 })),
    ).toBeNull();
    expect(
      receiver.receive(3, encodeTelephoneEvent({ event: 200, end: false, volume: 0, duration: 0 })),
    ).toBeNull();
  });
});
