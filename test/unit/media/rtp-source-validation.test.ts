import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { encodeG711 } from '../../../src-main/media/g711.js';
import { buildRtcpCompound, parseRtcp } from '../../../src-main/media/rtcp.js';
import { parseRtp, serializeRtp, type RtpPacket } from '../../../src-main/media/rtp-packet.js';
import { RtpReception } from '../../../src-main/media/rtp-reception.js';
import { RtpSession } from '../../../src-main/media/rtp-session.js';
import { FakeClock, FakeTransport } from './media-fakes.js';

const remote: TransportAddress = { address: '203.0.113.5', port: 40000 };
const stranger: TransportAddress = { address: '198.51.100.99', port: 51000 };
const natted: TransportAddress = { address: '192.0.2.44', port: 31337 };
const REMOTE_SSRC = 0x1111;
const FORGED_SSRC = 0x6666;
/** What the remote says and what a forger says, told apart in the played audio. */
const REAL = 1000;
const FORGED = -8000;

function setup() {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const rtcp = new FakeTransport();
  const session = new RtpSession(transport, {
    codec: 'PCMU',
    payloadType: 0,
    telephoneEventPt: 101,
    clock,
    rtcpEndpoint: rtcp,
    rtcpIntervalMs: 1000,
    jitterBuffer: { initialDelayFrames: 1 },
  });
  const played: number[] = [];
  session.onAudio((frame) => played.push(frame[80] ?? 0));
  const sentTo = () =>
    transport.sent.map(({ datagram, to }) => ({ packet: parseRtp(datagram), to }));
  return { clock, transport, rtcp, session, played, sentTo };
}

/** A stream of packets from one SSRC, numbered on from `sequence`, each 20 ms of `level`. */
function stream(ssrc: number, sequence: number, level: number) {
  let next = sequence;
  return (overrides: Partial<RtpPacket> = {}): Buffer => {
    const sequenceNumber = next & 0xffff;
    next++;
    return serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber,
      timestamp: (sequenceNumber * 160) >>> 0,
      ssrc,
      payload: encodeG711(new Int16Array(160).fill(level), 'PCMU'),
      ...overrides,
    });
  };
}

const near = (value: number, level: number) => Math.abs(value - level) < Math.abs(level) * 0.1;

describe('RTP source validation: probation of a new SSRC (RFC 3550 A.1)', () => {
  it('plays nothing of one packet alone, and both once the next confirms the stream', () => {
    const { clock, transport, session, played } = setup();
    session.setRemote(remote);
    session.start(() => null);
    const real = stream(REMOTE_SSRC, 100, REAL);
    transport.deliver(real(), remote);
    expect(session.stats().packetsReceived).toBe(0);
    transport.deliver(real(), remote);
    expect(session.stats().packetsReceived).toBe(2);
    clock.advance(40);
    expect(played.filter((value) => near(value, REAL))).toHaveLength(2);
  });

  it('gives up a lone packet that no next one confirms, counted as unvalidated', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    transport.deliver(stream(FORGED_SSRC, 7, FORGED)(), remote);
    const real = stream(REMOTE_SSRC, 100, REAL);
    for (let i = 0; i < 3; i++) transport.deliver(real(), remote);
    expect(session.stats().packetsReceived).toBe(3);
    expect(session.dropCounters.unvalidated).toBe(1);
  });

  it('refuses a second SSRC from the remote address while the remote stream is live', () => {
    const { clock, transport, session, played } = setup();
    session.setRemote(remote);
    session.start(() => null);
    const real = stream(REMOTE_SSRC, 100, REAL);
    const forged = stream(FORGED_SSRC, 40_000, FORGED);
    for (let tick = 0; tick < 50; tick++) {
      transport.deliver(real(), remote);
      // The forger joins the live call, faster than the remote, in sequence, from its address.
      if (tick >= 5) for (let i = 0; i < 5; i++) transport.deliver(forged(), remote);
      clock.advance(20);
    }
    expect(played.some((value) => near(value, FORGED))).toBe(false);
    expect(played.filter((value) => near(value, REAL)).length).toBeGreaterThan(45);
    expect(session.dropCounters.foreignSsrc).toBeGreaterThan(200);
    expect(session.stats()).toMatchObject({ packetsReceived: 50, packetsLost: 0 });
  });

  it('takes a new SSRC from the remote address once the old stream has ended', () => {
    const { clock, transport, session, played } = setup();
    session.setRemote(remote);
    session.start(() => null);
    const first = stream(REMOTE_SSRC, 100, REAL);
    for (let tick = 0; tick < 10; tick++) {
      transport.deliver(first(), remote);
      clock.advance(20);
    }
    clock.advance(300);
    const restarted = stream(0x2222, 9000, 3000);
    for (let tick = 0; tick < 10; tick++) {
      transport.deliver(restarted(), remote);
      clock.advance(20);
    }
    expect(played.filter((value) => near(value, 3000)).length).toBeGreaterThanOrEqual(8);
    expect(session.dropped).toBe(0);
  });
});

describe('RTP source validation: the source address', () => {
  it('hears nothing from another address once the remote stream is known', () => {
    const { clock, transport, session, played, sentTo } = setup();
    session.setRemote(remote);
    session.start(() => new Int16Array(160));
    const real = stream(REMOTE_SSRC, 100, REAL);
    // Forged with the remote's own SSRC, in sequence and ahead of it: only the address tells.
    const forged = stream(REMOTE_SSRC, 120, FORGED);
    for (let tick = 0; tick < 50; tick++) {
      transport.deliver(real(), remote);
      for (let i = 0; i < 5; i++) transport.deliver(forged(), stranger);
      clock.advance(20);
    }
    expect(played.some((value) => near(value, FORGED))).toBe(false);
    expect(session.stats()).toMatchObject({ packetsReceived: 50, packetsLost: 0 });
    expect(session.dropCounters.foreignSource).toBe(250);
    expect(session.sendTarget).toEqual(remote);
    expect(sentTo().every(({ to }) => to.address === remote.address)).toBe(true);
  });

  it('latches onto no other address once the SDP address has been heard from', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    transport.deliver(stream(REMOTE_SSRC, 100, REAL)(), remote);
    const elsewhere = stream(FORGED_SSRC, 5, FORGED);
    for (let i = 0; i < 10; i++) transport.deliver(elsewhere(), natted);
    expect(session.sendTarget).toEqual(remote);
    expect(session.dropCounters.foreignSource).toBe(10);
  });

  it('latches onto another address only early in the call', () => {
    const { clock, transport, session } = setup();
    session.setRemote(remote);
    clock.advance(11_000);
    const late = stream(REMOTE_SSRC, 100, REAL);
    for (let i = 0; i < 10; i++) transport.deliver(late(), natted);
    expect(session.sendTarget).toEqual(remote);
    expect(session.isLatched).toBe(false);
    expect(session.dropCounters.foreignSource).toBe(10);
  });

  it('does not move to a second address once latched, however consistent its stream', () => {
    const { clock, transport, session } = setup();
    session.setRemote(remote);
    const real = stream(REMOTE_SSRC, 100, REAL);
    for (let i = 0; i < 3; i++) transport.deliver(real(), natted);
    expect(session.sendTarget).toEqual(natted);
    const forged = stream(FORGED_SSRC, 5, FORGED);
    for (let i = 0; i < 20; i++) {
      transport.deliver(forged(), stranger);
      clock.advance(5);
    }
    expect(session.sendTarget).toEqual(natted);
    expect(session.dropCounters.foreignSource).toBe(20);
  });

  it("gives a stranger's early latch up to a valid stream from the SDP address", () => {
    const { transport, session, clock, played } = setup();
    session.setRemote(remote);
    session.start(() => null);
    const forged = stream(FORGED_SSRC, 5, FORGED);
    for (let i = 0; i < 3; i++) transport.deliver(forged(), stranger);
    expect(session.sendTarget).toEqual(stranger);
    const real = stream(REMOTE_SSRC, 100, REAL);
    transport.deliver(real(), remote);
    transport.deliver(real(), remote);
    expect(session.sendTarget).toEqual(remote);
    expect(session.isLatched).toBe(false);
    played.length = 0;
    for (let tick = 0; tick < 10; tick++) {
      transport.deliver(forged(), stranger);
      transport.deliver(real(), remote);
      clock.advance(20);
    }
    expect(played.some((value) => near(value, FORGED))).toBe(false);
    expect(session.sendTarget).toEqual(remote);
  });

  it('keeps a latch that needs three packets in sequence from one SSRC', () => {
    const { transport, session } = setup();
    session.setRemote(remote);
    const a = stream(0x1, 10, REAL);
    const b = stream(0x2, 500, REAL);
    // Same address, alternating SSRCs: never three of one stream in a row.
    for (let i = 0; i < 8; i++) transport.deliver(i % 2 ? a() : b(), natted);
    expect(session.sendTarget).toEqual(remote);
  });
});

describe('RTP source validation: sequence numbers of the remote SSRC', () => {
  it('does not restart the numbering on a confirmed jump while the stream is live', () => {
    const { clock, transport, session, played } = setup();
    session.setRemote(remote);
    session.start(() => null);
    const real = stream(REMOTE_SSRC, 100, REAL);
    const forged = stream(REMOTE_SSRC, 30_000, FORGED);
    for (let tick = 0; tick < 30; tick++) {
      transport.deliver(real(), remote);
      if (tick >= 5) {
        transport.deliver(forged(), remote);
        transport.deliver(forged(), remote);
      }
      clock.advance(20);
    }
    expect(played.some((value) => near(value, FORGED))).toBe(false);
    expect(session.stats()).toMatchObject({ packetsReceived: 30, packetsLost: 0 });
    expect(session.dropCounters.sequence).toBe(50);
  });

  it('RtpReception: a restart needs the old numbering silent when asked to', () => {
    const reception = new RtpReception(8000, 200);
    for (let i = 0; i < 5; i++) reception.update(100 + i, i * 160, i * 20);
    expect(reception.update(9000, 0, 100)).toBe('rejected');
    expect(reception.update(9001, 0, 101)).toBe('rejected');
    expect(reception.update(105, 800, 102)).toBe('accepted');
    expect(reception.update(9002, 0, 150)).toBe('rejected');
    expect(reception.update(9003, 0, 400)).toBe('restarted');
  });
});

describe('RTP source validation: RTCP', () => {
  function senderReport(ssrc: number) {
    return buildRtcpCompound(
      {
        type: 'sr',
        ssrc,
        sender: {
          ntpSeconds: 0x00011234,
          ntpFraction: 0x56780000,
          rtpTimestamp: 1,
          packetCount: 1,
          octetCount: 160,
        },
        blocks: [],
      },
      { cname: ssrc === REMOTE_SSRC ? 'far-end' : 'forger' },
    );
  }

  it("ignores RTCP from strangers, even naming the remote's SSRC, and keeps its target", () => {
    const { clock, transport, rtcp, session } = setup();
    session.setRemote(remote);
    session.start(() => new Int16Array(160));
    const real = stream(REMOTE_SSRC, 100, REAL);
    for (let i = 0; i < 3; i++) transport.deliver(real(), remote);
    const remoteRtcp = { address: remote.address, port: remote.port + 1 };
    rtcp.deliver(senderReport(REMOTE_SSRC), remoteRtcp);
    rtcp.deliver(senderReport(REMOTE_SSRC), stranger);
    transport.deliver(senderReport(REMOTE_SSRC), stranger); // muxed on the RTP port
    expect(session.lastRemoteRtcp?.from).toEqual(remoteRtcp);
    expect(session.dropCounters.foreignSource).toBe(2);
    // A second report from the remote's host on another port does not move our reports.
    rtcp.deliver(senderReport(REMOTE_SSRC), { address: remote.address, port: 9 });
    const before = rtcp.sent.length;
    clock.advance(1600);
    const next = rtcp.sent.slice(before);
    expect(next.length).toBeGreaterThan(0);
    expect(next.every(({ to }) => to.port === remoteRtcp.port)).toBe(true);
    expect(parseRtcp(next[0]!.datagram)?.reports[0]?.blocks[0]?.ssrc).toBe(REMOTE_SSRC);
  });
});
