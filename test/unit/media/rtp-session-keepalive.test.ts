import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { parseRtp } from '../../../src-main/media/rtp-packet.js';
import { RtpSession, type RtpSessionOptions } from '../../../src-main/media/rtp-session.js';
import { FakeClock, FakeTransport } from './media-fakes.js';

const remote: TransportAddress = { address: '203.0.113.5', port: 40000 };
const frame = () => new Int16Array(160).fill(500);

function setup(options: Partial<RtpSessionOptions> = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const session = new RtpSession(transport, {
    codec: 'PCMU',
    payloadType: 0,
    telephoneEventPt: 101,
    clock,
    rtcpEndpoint: new FakeTransport(),
    ...options,
  });
  session.setRemote(remote);
  const packets = () => transport.sent.map(({ datagram, to }) => ({ rtp: parseRtp(datagram), to }));
  const keepalives = () => packets().filter(({ rtp }) => rtp?.payloadType !== 0);
  return { clock, transport, session, packets, keepalives };
}

describe('RFC 6263 keepalive on the RTP socket', () => {
  it('sends none while audio flows', () => {
    const { clock, session, keepalives } = setup({ keepaliveMs: 1000 });
    session.start(frame);
    clock.advance(10_000);
    expect(keepalives()).toHaveLength(0);
    expect(session.keepalives).toBe(0);
  });

  it('on hold (recvonly), one at once and then one per interval, of a payload type not negotiated', () => {
    const { clock, session, packets, keepalives } = setup({ keepaliveMs: 4000 });
    session.start(frame);
    clock.advance(1000);
    const audioBefore = session.stats().packetsSent;
    session.setDirection('recvonly');
    clock.advance(3000);
    // Nothing until the socket has been quiet for a whole interval.
    expect(keepalives()).toHaveLength(0);
    clock.advance(17_000);
    const sent = keepalives();
    expect(sent.length).toBe(5); // 20 s of silence at 4 s
    for (const { rtp, to } of sent) {
      expect(rtp).not.toBeNull();
      expect(rtp?.payloadType).toBe(127);
      expect(rtp?.payload.length).toBe(0);
      expect(rtp?.ssrc).toBe(session.ssrc);
      expect(to).toEqual(remote);
    }
    // The same stream: sequence numbers continue from the audio before.
    const all = packets();
    const firstKeepalive = all.findIndex(({ rtp }) => rtp?.payloadType === 127);
    expect(all[firstKeepalive]!.rtp!.sequenceNumber).toBe(
      (all[firstKeepalive - 1]!.rtp!.sequenceNumber + 1) & 0xffff,
    );
    // Keepalives are not audio: the one-way-audio evidence is left alone.
    expect(session.stats().packetsSent).toBe(audioBefore);
    expect(session.keepalives).toBe(5);
    session.setDirection('sendrecv');
    clock.advance(1000);
    expect(session.stats().packetsSent).toBe(audioBefore + 50);
    expect(keepalives()).toHaveLength(5);
  });

  it('opens the mapping at once when a call starts on hold', () => {
    const { clock, session, keepalives } = setup({ keepaliveMs: 15_000 });
    session.setDirection('inactive');
    session.start(frame);
    expect(keepalives()).toHaveLength(1);
    clock.advance(30_000);
    expect(keepalives()).toHaveLength(3);
  });

  it('also while muted: a source that yields nothing', () => {
    const { clock, session, keepalives } = setup({ keepaliveMs: 15_000 });
    session.start(() => null);
    clock.advance(45_000);
    expect(keepalives()).toHaveLength(4);
  });

  it('defaults to every 15 s, and 0 turns it off', () => {
    const fifteen = setup();
    fifteen.session.setDirection('inactive');
    fifteen.session.start(frame);
    fifteen.clock.advance(60_000);
    expect(fifteen.keepalives()).toHaveLength(5);
    const off = setup({ keepaliveMs: 0 });
    off.session.setDirection('inactive');
    off.session.start(frame);
    off.clock.advance(60_000);
    expect(off.keepalives()).toHaveLength(0);
  });

  it('avoids a payload type the call uses', () => {
    const { session, keepalives } = setup({ telephoneEventPt: 127, keepaliveMs: 1000 });
    session.setDirection('inactive');
    session.start(frame);
    expect(keepalives()[0]?.rtp?.payloadType).toBe(126);
  });

  it('is dropped by a receiving session as an unknown payload type, not played', () => {
    const sender = setup({ keepaliveMs: 1000 });
    sender.session.setDirection('inactive');
    sender.session.start(frame);
    const receiver = setup();
    const heard: Int16Array[] = [];
    receiver.session.onAudio((played) => heard.push(played));
    receiver.session.start(() => null);
    const keepalive = sender.transport.sent[0]!.datagram;
    expect(parseRtp(keepalive)?.payloadType).toBe(127);
    receiver.transport.deliver(keepalive, remote);
    receiver.clock.advance(200);
    expect(receiver.session.dropCounters.unknownPayloadType).toBe(1);
    expect(receiver.session.stats().packetsReceived).toBe(0);
    expect(heard).toHaveLength(0);
  });
});

describe('a far end holding the RFC 2543 way (c=0.0.0.0)', () => {
  it('gets no keepalive and no RTCP: the address names no one, and the kernel would loop it back', () => {
    const rtcp = new FakeTransport();
    const { clock, session, transport } = setup({ keepaliveMs: 1000, rtcpEndpoint: rtcp });
    session.setRemote({ address: '0.0.0.0', port: 40000 });
    session.setDirection('recvonly');
    session.start(frame);
    clock.advance(20_000);
    expect(transport.sent).toHaveLength(0);
    expect(rtcp.sent).toHaveLength(0);
    expect(session.unaddressedSends).toBeGreaterThan(0);
    // Taken off hold with an address again: the stream resumes there.
    session.setRemote(remote);
    session.setDirection('sendrecv');
    clock.advance(1000);
    expect(transport.sent.length).toBeGreaterThan(0);
    expect(transport.sent.every(({ to }) => to.address === remote.address)).toBe(true);
  });
});
