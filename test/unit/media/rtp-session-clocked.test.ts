import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { encodeTelephoneEvent, decodeTelephoneEvent } from '../../../src-main/media/dtmf.js';
import { encodeG711 } from '../../../src-main/media/g711.js';
import { ToneDetector, ToneGenerator } from '../../../src-main/media/tone.js';
import { buildRtcpCompound, parseRtcp } from '../../../src-main/media/rtcp.js';
import { parseRtp, serializeRtp, type RtpPacket } from '../../../src-main/media/rtp-packet.js';
import { RtpSession, type RtpSessionOptions } from '../../../src-main/media/rtp-session.js';
import { FakeClock, FakeTransport } from './media-fakes.js';
import { AUDIO_FRAME_SAMPLES } from '../../../src-shared/audio-format.js';

const remote: TransportAddress = { address: '203.0.113.5', port: 40000 };
const elsewhere: TransportAddress = { address: '198.51.100.99', port: 51000 };

function setup(options: Partial<RtpSessionOptions> = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const rtcp = new FakeTransport();
  const session = new RtpSession(transport, {
    codec: 'PCMU',
    payloadType: 0,
    telephoneEventPt: 101,
    clock,
    rtcpEndpoint: rtcp,
    ...options,
  });
  const packets = () =>
    transport.sent.map(({ datagram, to }) => ({ packet: parseRtp(datagram), to }));
  return { clock, transport, rtcp, session, packets };
}

/** A link frame (16 kHz, 20 ms), as the renderer sends the microphone. */
const frameOf = (value: number) => new Int16Array(AUDIO_FRAME_SAMPLES).fill(value);
/** One 20 ms G.711 payload's samples (8 kHz), as a far end codes them. */
const G711_FRAME_SAMPLES = 160;
const g711FrameOf = (value: number) => new Int16Array(G711_FRAME_SAMPLES).fill(value);

let nextSequence = 1000;
function incoming(overrides: Partial<RtpPacket> = {}): Buffer {
  const sequenceNumber = nextSequence++ & 0xffff;
  return serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber,
    timestamp: sequenceNumber * 160,
    ssrc: 0xabcdef,
    payload: encodeG711(g711FrameOf(1000), 'PCMU'),
    ...overrides,
  });
}

describe('RtpSession sending, on a fake clock', () => {
  it('sends one packet per 20 ms, sequence +1 and timestamp +160 each time', () => {
    const { clock, session, packets } = setup();
    session.setRemote(remote);
    session.start(() => frameOf(100));
    clock.advance(20 * 49);
    const sent = packets();
    expect(sent).toHaveLength(50);
    expect(sent.every(({ to }) => to.address === remote.address && to.port === remote.port)).toBe(
      true,
    );
    const first = sent[0]?.packet;
    expect(first?.marker).toBe(true); // a talkspurt begins (RFC 3551 §4.1)
    sent.forEach(({ packet }, i) => {
      expect(packet?.payloadType).toBe(0);
      expect(packet?.ssrc).toBe(session.ssrc);
      expect(packet?.sequenceNumber).toBe(((first?.sequenceNumber ?? 0) + i) & 0xffff);
      expect(packet?.timestamp).toBe(((first?.timestamp ?? 0) + i * 160) >>> 0);
      expect(packet?.payload.length).toBe(160);
      if (i > 0) expect(packet?.marker).toBe(false);
    });
    expect(session.stats()).toMatchObject({ packetsSent: 50, bytesSent: 8000 });
  });

  it('starts from random sequence numbers, timestamps and SSRCs', () => {
    const firsts = Array.from({ length: 4 }, () => {
      const { session, packets } = setup();
      session.setRemote(remote);
      session.start(() => frameOf(0));
      session.stop();
      return packets()[0]?.packet;
    });
    expect(new Set(firsts.map((p) => p?.sequenceNumber)).size).toBeGreaterThan(1);
    expect(new Set(firsts.map((p) => p?.timestamp)).size).toBeGreaterThan(1);
    expect(new Set(firsts.map((p) => p?.ssrc)).size).toBeGreaterThan(1);
  });

  it('skips the intervals of a stalled event loop instead of bursting, keeping real time', () => {
    const { clock, session, packets } = setup();
    session.setRemote(remote);
    session.start(() => frameOf(0));
    clock.advance(40);
    clock.stall(200);
    const sent = packets();
    expect(sent).toHaveLength(4);
    const [a, b] = [sent[2]?.packet, sent[3]?.packet];
    // Sent 240 ms after the start, it carries the timestamp of interval 12, ten after `a`'s.
    expect(((b?.timestamp ?? 0) - (a?.timestamp ?? 0)) >>> 0).toBe(10 * 160);
    expect(b?.sequenceNumber).toBe(((a?.sequenceNumber ?? 0) + 1) & 0xffff);
    clock.advance(20);
    expect(packets()).toHaveLength(5);
  });

  it('keeps to the clock’s shared grid after the first packet, so calls share wake-ups', () => {
    const grid = (clock: FakeClock) =>
      Object.assign(clock, {
        nextGridInstant: (period: number, ahead: number) =>
          Math.ceil((clock.now() + ahead) / period) * period,
      });
    const sentAt = (startAt: number) => {
      const clock = grid(new FakeClock());
      const { transport, session } = setup({ clock });
      const times: number[] = [];
      const send = transport.send.bind(transport);
      transport.send = (datagram, to) => {
        times.push(clock.now());
        return send(datagram, to);
      };
      clock.advance(startAt - clock.now());
      session.setRemote(remote);
      session.start(() => frameOf(1));
      clock.advance(100);
      session.stop();
      return times;
    };
    // Started 3 ms and 17 ms past a grid point: the first packet at once, then both on the grid,
    // never sooner than half an interval after the first.
    expect(sentAt(1003)).toEqual([1003, 1020, 1040, 1060, 1080, 1100]);
    expect(sentAt(1017)).toEqual([1017, 1040, 1060, 1080, 1100]);
  });

  it('catches up a short delay at once', () => {
    const { clock, session, packets } = setup();
    session.setRemote(remote);
    session.start(() => frameOf(0));
    clock.stall(50); // due at 20 and 40: both go now
    expect(packets()).toHaveLength(3);
  });

  it('sends nothing for a null frame, advances the timestamp, and marks the next talkspurt', () => {
    const { clock, session, packets } = setup();
    session.setRemote(remote);
    let muted = false;
    session.start(() => (muted ? null : frameOf(5)));
    clock.advance(20);
    muted = true;
    clock.advance(60);
    muted = false;
    clock.advance(20);
    const sent = packets().map(({ packet }) => packet);
    expect(sent).toHaveLength(3);
    expect(sent.map((packet) => packet?.marker)).toEqual([true, false, true]);
    expect(((sent[2]?.timestamp ?? 0) - (sent[1]?.timestamp ?? 0)) >>> 0).toBe(4 * 160);
    expect(sent[2]?.sequenceNumber).toBe(((sent[1]?.sequenceNumber ?? 0) + 1) & 0xffff);
  });

  it('sends in sendrecv and sendonly, not in recvonly or inactive (RFC 3264 §5.1)', () => {
    const { clock, session, packets } = setup();
    session.setRemote(remote);
    session.start(() => frameOf(5));
    const sentDuring = (direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive') => {
      session.setDirection(direction);
      const before = packets().length;
      clock.advance(100);
      return packets().length - before;
    };
    expect(sentDuring('inactive')).toBe(0);
    expect(sentDuring('recvonly')).toBe(0);
    expect(sentDuring('sendonly')).toBe(5);
    expect(sentDuring('sendrecv')).toBe(5);
  });

  it('sends DTMF in place of audio, on one timestamp, and resumes audio in step', () => {
    const { clock, session, packets } = setup();
    session.setRemote(remote);
    session.start(() => frameOf(5));
    clock.advance(20);
    expect(session.sendDtmf('9')).toBe(true);
    clock.advance(20 * 12);
    const sent = packets().map(({ packet }) => packet);
    const events = sent.filter((packet) => packet?.payloadType === 101);
    expect(events).toHaveLength(7);
    const firstEvent = sent.findIndex((packet) => packet?.payloadType === 101);
    // Contiguous: no audio packet between the event's first and last packet.
    expect(sent.slice(firstEvent, firstEvent + 7).every((p) => p?.payloadType === 101)).toBe(true);
    const eventTimestamp = events[0]?.timestamp ?? 0;
    expect(events.every((packet) => packet?.timestamp === eventTimestamp)).toBe(true);
    expect(events.map((packet) => packet?.marker)).toEqual([true, ...Array(6).fill(false)]);
    expect(decodeTelephoneEvent(events[6]?.payload ?? new Uint8Array())).toMatchObject({
      event: 9,
      end: true,
    });
    // The event starts where the audio would have: the audio before it is one interval back.
    expect(eventTimestamp - (sent[firstEvent - 1]?.timestamp ?? 0)).toBe(160);
    const after = sent[firstEvent + 7];
    expect(after?.payloadType).toBe(0);
    expect(after?.timestamp).toBe((eventTimestamp + 7 * 160) >>> 0);
    expect(after?.marker).toBe(true);
    sent.forEach((packet, i) => {
      if (i > 0) {
        expect(packet?.sequenceNumber).toBe(((sent[i - 1]?.sequenceNumber ?? 0) + 1) & 0xffff);
      }
    });
  });

  it('refuses DTMF without a negotiated telephone-event, or without digits', () => {
    expect(setup({ telephoneEventPt: null }).session.sendDtmf('1')).toBe(false);
    expect(setup().session.sendDtmf('xyz')).toBe(false);
  });

  it('stops every timer and stops listening', () => {
    const { clock, transport, rtcp, session, packets } = setup();
    session.setRemote(remote);
    session.start(() => frameOf(0));
    clock.advance(100);
    session.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(transport.listenerCount + rtcp.listenerCount).toBe(0);
    const count = packets().length;
    clock.advance(1000);
    expect(packets()).toHaveLength(count);
    // Goodbye in RTCP (RFC 3550 §6.6).
    const last = rtcp.sent.at(-1);
    expect(last && parseRtcp(last.datagram)?.bye).toEqual([session.ssrc]);
  });
});

describe('RtpSession receiving, on a fake clock', () => {
  it('plays received audio one frame per tick, only once packets have arrived', () => {
    const { clock, transport, session } = setup({ jitterBuffer: { initialDelayFrames: 2 } });
    session.setRemote(remote);
    const frames: Int16Array[] = [];
    session.onAudio((frame) => frames.push(frame));
    session.start(() => null);
    clock.advance(100);
    expect(frames).toHaveLength(0);
    transport.deliver(incoming(), remote);
    transport.deliver(incoming(), remote);
    clock.advance(20);
    transport.deliver(incoming(), remote);
    clock.advance(20);
    expect(frames).toHaveLength(2);
    // At the link's 16 kHz; its first 1.5 ms are the G.711 interpolator filling.
    expect(frames[0]).toHaveLength(AUDIO_FRAME_SAMPLES);
    expect(Math.abs((frames[0]?.at(-1) ?? 0) - 1000)).toBeLessThan(40);
    clock.advance(200);
    expect(frames).toHaveLength(12); // steady: concealment and silence once the stream stops
    expect(session.stats()).toMatchObject({ packetsReceived: 3, bytesReceived: 480 });
  });

  it('re-cuts frames of another packet time into 20 ms', () => {
    const { clock, transport, session } = setup({ jitterBuffer: { initialDelayFrames: 2 } });
    session.setRemote(remote);
    const frames: Int16Array[] = [];
    session.onAudio((frame) => frames.push(frame));
    session.start(() => null);
    for (let i = 0; i < 6; i++) {
      transport.deliver(
        incoming({ payload: encodeG711(new Int16Array(240).fill(2000), 'PCMU') }),
        remote,
      );
    }
    clock.advance(20 * 9);
    // 6 × 30 ms = 180 ms of audio: nine 20 ms frames in nine ticks.
    expect(frames).toHaveLength(9);
    expect(frames.every((frame) => frame.length === AUDIO_FRAME_SAMPLES)).toBe(true);
    expect(frames.every((frame) => Math.abs((frame.at(-1) ?? 0) - 2000) < 100)).toBe(true);
  });

  it('carries G.722: 160 octets per 20 ms, timestamps +160 (RFC 3551 clock-rate quirk), 16 kHz both ways', () => {
    const { clock, transport, session, packets } = setup({ codec: 'G722', payloadType: 9 });
    session.setRemote(remote);
    const played: Int16Array[] = [];
    session.onAudio((frame) => played.push(frame));
    const tone = new ToneGenerator({ frequency: 5000, amplitude: 6000 });
    session.start(() => tone.next());
    clock.advance(20 * 29);
    const sent = packets();
    expect(sent).toHaveLength(30);
    const first = sent[0]?.packet;
    sent.forEach(({ packet }, i) => {
      expect(packet?.payloadType).toBe(9);
      expect(packet?.timestamp).toBe(((first?.timestamp ?? 0) + i * 160) >>> 0);
      expect(packet?.payload.length).toBe(160);
    });
    // Our own packets sent back: a 5 kHz tone, beyond G.711's band, arrives as 5 kHz at 16 kHz.
    for (const { packet } of sent) {
      if (packet) transport.deliver(serializeRtp({ ...packet, ssrc: 0x1234 }), remote);
    }
    clock.advance(20 * 10);
    const detector = new ToneDetector({ frequency: 5000 });
    for (const frame of played.slice(1)) {
      expect(frame).toHaveLength(AUDIO_FRAME_SAMPLES);
      detector.push(frame);
    }
    expect(detector.toneFrames).toBeGreaterThanOrEqual(8);
  });

  it('counts loss from the extended highest sequence number', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    for (const sequenceNumber of [10, 11, 12, 15, 14, 18]) {
      transport.deliver(incoming({ sequenceNumber, timestamp: sequenceNumber * 160 }), remote);
    }
    expect(session.stats()).toMatchObject({ packetsReceived: 6, packetsLost: 3 });
  });

  it('measures jitter in milliseconds from arrival times (RFC 3550 A.8)', () => {
    const { clock, transport, session } = setup();
    session.setRemote(remote);
    for (let i = 0; i < 300; i++) {
      transport.deliver(incoming({ sequenceNumber: i, timestamp: i * 160 }), remote);
      clock.advance(i % 2 === 0 ? 24 : 16);
    }
    const { jitterMs } = session.stats();
    expect(jitterMs).toBeGreaterThan(3);
    expect(jitterMs).toBeLessThan(4.5);
  });

  it('measures a G.722 peer’s jitter on the clock it stamps with, 160 or 320 per 20 ms', () => {
    // 160 bytes of G.722 carry 20 ms; a steady stream has no jitter whichever clock it uses.
    const payload = new Uint8Array(160).fill(0x55);
    for (const step of [160, 320]) {
      const { clock, transport, session } = setup({ codec: 'G722', payloadType: 9 });
      session.setRemote(remote);
      for (let i = 0; i < 100; i++) {
        transport.deliver(
          incoming({ payloadType: 9, sequenceNumber: i, timestamp: i * step, payload }),
          remote,
        );
        clock.advance(i % 2 === 0 ? 24 : 16);
      }
      // Arrival ±4 ms around 20 ms: about 4 ms of jitter, not the 20 ms per packet a 320-step
      // stream read on the 8000 clock would add.
      const { jitterMs } = session.stats();
      expect(jitterMs, `step ${step}`).toBeGreaterThan(3);
      expect(jitterMs, `step ${step}`).toBeLessThan(4.5);
    }
  });

  it('reports each received digit once', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    const digits: string[] = [];
    session.onDtmf((digit) => digits.push(digit));
    for (const [timestamp, event] of [
      [8000, 1],
      [16000, 1],
      [24000, 11],
    ] as const) {
      for (let step = 1; step <= 7; step++) {
        const payload = encodeTelephoneEvent({
          event,
          end: step >= 5,
          volume: 10,
          duration: Math.min(step, 5) * 160,
        });
        transport.deliver(
          incoming({ payloadType: 101, marker: step === 1, timestamp, payload }),
          remote,
        );
      }
    }
    expect(digits).toEqual(['1', '1', '#']);
  });

  it('counts and drops what it cannot use, and throws nothing', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    for (let i = 0; i < 5; i++) transport.deliver(incoming(), remote);
    const junk = [
      Buffer.from([0x80]),
      Buffer.from([0x80, 0x00, 0x01]),
      Buffer.from([0xbf, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // 15 CSRCs announced, none there
      incoming({ payloadType: 96 }),
      incoming({ payloadType: 18 }),
      incoming({ ssrc: 666 }),
      Buffer.from([0x80, 200, 0, 0]),
    ];
    for (const datagram of junk) transport.deliver(datagram, elsewhere);
    expect(session.dropCounters).toEqual({
      malformed: 3,
      unknownPayloadType: 2,
      foreignSsrc: 0,
      foreignSource: 1,
      unvalidated: 0,
      sequence: 0,
      rtcp: 1,
    });
    expect(session.dropped).toBe(7);
    expect(session.stats()).toMatchObject({ packetsReceived: 5, remoteSource: remote });
  });

  it('takes a new SSRC from the SDP address (the remote restarted its stream)', () => {
    const { clock, transport, session } = setup();
    session.setRemote(remote);
    for (let i = 0; i < 5; i++) transport.deliver(incoming(), remote);
    clock.advance(1000);
    transport.deliver(incoming({ ssrc: 777, sequenceNumber: 50000 }), remote);
    transport.deliver(incoming({ ssrc: 777, sequenceNumber: 50001 }), remote);
    expect(session.dropped).toBe(0);
    expect(session.stats()).toMatchObject({ packetsReceived: 7, packetsLost: 0 });
  });

  it('does not let one stray packet lock the real stream out', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    transport.deliver(incoming({ ssrc: 666 }), elsewhere);
    for (let i = 0; i < 5; i++) transport.deliver(incoming(), { address: '192.0.2.8', port: 7078 });
    expect(session.dropCounters.foreignSsrc).toBe(0);
    expect(session.sendTarget).toEqual({ address: '192.0.2.8', port: 7078 });
  });
});

describe('RtpSession symmetric RTP, on a fake clock', () => {
  it('follows the real source after three consistent packets, and reports it', () => {
    const { clock, transport, session, packets } = setup();
    const natted: TransportAddress = { address: '192.0.2.44', port: 31337 };
    session.setRemote(remote);
    session.start(() => frameOf(0));
    transport.deliver(incoming(), natted);
    transport.deliver(incoming(), natted);
    expect(session.sendTarget).toEqual(remote);
    transport.deliver(incoming(), natted);
    expect(session.sendTarget).toEqual(natted);
    expect(session.isLatched).toBe(true);
    expect(session.stats().remoteSource).toEqual(natted);
    clock.advance(20);
    expect(packets().at(-1)?.to).toEqual(natted);
  });

  it('does not latch on interleaved sources', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    for (let i = 0; i < 6; i++) {
      transport.deliver(incoming(), i % 2 ? elsewhere : { address: '192.0.2.44', port: 31337 });
    }
    expect(session.sendTarget).toEqual(remote);
    expect(session.isLatched).toBe(false);
  });

  it('keeps the latched source across a re-INVITE with the same SDP address, not a new one', () => {
    const { transport, session } = setup();
    const natted: TransportAddress = { address: '192.0.2.44', port: 31337 };
    session.setRemote(remote);
    for (let i = 0; i < 3; i++) transport.deliver(incoming(), natted);
    session.setRemote({ ...remote });
    expect(session.sendTarget).toEqual(natted);
    session.setRemote(elsewhere);
    expect(session.sendTarget).toEqual(elsewhere);
  });
});

describe('RtpSession RTCP, on a fake clock', () => {
  it('sends its first report at once, opening the RTCP mapping toward the remote', () => {
    const { rtcp, session } = setup();
    session.setRemote(remote, { address: remote.address, port: 41001 });
    session.start(() => frameOf(0));
    expect(rtcp.sent).toHaveLength(1);
    expect(rtcp.sent[0]?.to).toEqual({ address: remote.address, port: 41001 });
    expect(parseRtcp(rtcp.sent[0]!.datagram)?.reports[0]?.ssrc).toBe(session.ssrc);
  });

  it('muxed (RFC 5761): RTCP goes on the RTP socket to the RTP target, none on the RTCP one', () => {
    const { clock, transport, rtcp, session } = setup();
    session.setRemote(remote);
    session.setRtcpMux(true);
    session.start(() => frameOf(0));
    clock.advance(10_000);
    const reports = transport.sent.filter(({ datagram }) => parseRtcp(datagram) !== null);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.every(({ to }) => to.port === remote.port)).toBe(true);
    expect(rtcp.sent).toHaveLength(0);
  });

  it('sends compound reports to RTP port + 1 every ~5 s, SR while sending', () => {
    const { clock, rtcp, session } = setup();
    session.setRemote(remote);
    session.start(() => frameOf(0));
    // Intervals are randomised over 2.5–7.5 s (RFC 3550 §6.3.1): 30 s holds at least three.
    clock.advance(30_000);
    expect(rtcp.sent.length).toBeGreaterThanOrEqual(3);
    expect(rtcp.sent.length).toBeLessThanOrEqual(40);
    const { datagram, to } = rtcp.sent.at(-1)!;
    expect(to).toEqual({ address: remote.address, port: remote.port + 1 });
    const parsed = parseRtcp(datagram);
    expect(parsed?.reports[0]).toMatchObject({ type: 'sr', ssrc: session.ssrc });
    const packetCount = parsed?.reports[0]?.sender?.packetCount ?? 0;
    expect(packetCount).toBeGreaterThan(100);
    expect(packetCount).toBeLessThanOrEqual(session.stats().packetsSent);
    expect(parsed?.reports[0]?.sender?.octetCount).toBe(packetCount * 160);
    expect(parsed?.cnames[0]?.ssrc).toBe(session.ssrc);
  });

  it('sends RRs with a report block when only receiving, to an explicit RTCP address', () => {
    const { clock, transport, rtcp, session } = setup({ rtcpIntervalMs: 1000 });
    session.setRemote(remote, { address: remote.address, port: 50001 });
    session.setDirection('recvonly');
    session.start(() => frameOf(0));
    for (const sequenceNumber of [1, 2, 4]) {
      transport.deliver(incoming({ sequenceNumber, ssrc: 99 }), remote);
    }
    clock.advance(1600);
    // The interval is randomised, so a third report may follow; fraction lost belongs to the
    // second one (it counts the loss since the first, sent at the start).
    const { datagram, to } = rtcp.sent[1]!;
    expect(to.port).toBe(50001);
    expect(parseRtcp(datagram)?.reports[0]).toMatchObject({
      type: 'rr',
      blocks: [{ ssrc: 99, cumulativeLost: 1, extendedHighestSequence: 4, fractionLost: 64 }],
    });
  });

  it('reads the remote report, answers with LSR/DLSR, and follows where its RTCP comes from', () => {
    const { clock, transport, rtcp, session } = setup({ rtcpIntervalMs: 1000 });
    session.setRemote(remote);
    session.start(() => frameOf(0));
    transport.deliver(incoming({ ssrc: 4242 }), remote);
    transport.deliver(incoming({ ssrc: 4242 }), remote);
    const remoteReport = buildRtcpCompound(
      {
        type: 'sr',
        ssrc: 4242,
        sender: {
          ntpSeconds: 0x00011234,
          ntpFraction: 0x56780000,
          rtpTimestamp: 1,
          packetCount: 1,
          octetCount: 160,
        },
        blocks: [],
      },
      { cname: 'far-end' },
    );
    const rtcpSource = { address: remote.address, port: 40123 };
    rtcp.deliver(remoteReport, rtcpSource);
    expect(session.lastRemoteRtcp?.compound.cnames).toEqual([{ ssrc: 4242, cname: 'far-end' }]);
    expect(session.lastRemoteRtcp?.from).toEqual(rtcpSource);
    const sentBefore = rtcp.sent.length;
    clock.advance(1600);
    const next = rtcp.sent.slice(sentBefore)[0];
    expect(next?.to).toEqual(rtcpSource);
    const block = next && parseRtcp(next.datagram)?.reports[0]?.blocks[0];
    expect(block?.lastSr).toBe(0x12345678);
    const delaySeconds = (block?.delaySinceLastSr ?? 0) / 65536;
    expect(delaySeconds).toBeGreaterThan(0.4);
    expect(delaySeconds).toBeLessThan(1.6);
  });

  it('reads RTCP multiplexed on the RTP port (RFC 5761)', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    transport.deliver(
      buildRtcpCompound({ type: 'rr', ssrc: 5, blocks: [] }, { cname: 'mux' }),
      remote,
    );
    expect(session.lastRemoteRtcp?.compound.reports[0]?.ssrc).toBe(5);
    expect(session.dropped).toBe(0);
  });
});

describe('RtpSession errors in callers', () => {
  it('keeps its clock running when a listener or the source throws', () => {
    const { clock, transport, session, packets } = setup({
      jitterBuffer: { initialDelayFrames: 2 },
    });
    session.setRemote(remote);
    const errors: unknown[] = [];
    session.onError((error) => errors.push(error));
    session.onAudio(() => {
      throw new Error('listener bug');
    });
    let calls = 0;
    session.start(() => {
      if (++calls === 2) throw new Error('source bug');
      return frameOf(0);
    });
    transport.deliver(incoming(), remote);
    transport.deliver(incoming(), remote);
    clock.advance(100);
    expect(packets()).toHaveLength(5);
    expect(errors.map((error) => (error as Error).message)).toContain('source bug');
    expect(errors.map((error) => (error as Error).message)).toContain('listener bug');
  });
});
