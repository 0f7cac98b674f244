import { afterEach, describe, expect, it } from 'vitest';
import { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';
import { allocateRtpEndpoints } from '../../../src-main/media/rtp-port-allocator.js';
import { parseRtp } from '../../../src-main/media/rtp-packet.js';
import { RtpSession, type RtpSessionOptions } from '../../../src-main/media/rtp-session.js';
import { ToneDetector, ToneGenerator } from '../../../src-main/media/tone.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function bind(): Promise<UdpEndpoint> {
  const endpoint = await UdpEndpoint.bind({ address: '127.0.0.1' });
  cleanups.push(() => endpoint.close());
  return endpoint;
}

function session(endpoint: UdpEndpoint, options: Partial<RtpSessionOptions> = {}): RtpSession {
  const rtp = new RtpSession(endpoint, {
    codec: 'PCMU',
    payloadType: 0,
    telephoneEventPt: 101,
    ...options,
  });
  cleanups.push(() => rtp.stop());
  return rtp;
}

const silence = () => new Int16Array(160);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RtpSession on loopback', () => {
  it('carries a tone one way, heard on the other side, with statistics both ways', async () => {
    const [a, b] = [await bind(), await bind()];
    const [left, right] = [
      session(a, { codec: 'PCMA', payloadType: 8 }),
      session(b, { codec: 'PCMA', payloadType: 8 }),
    ];
    left.setRemote(b.bound);
    right.setRemote(a.bound);
    const heardByRight = new ToneDetector({ frequency: 1000 });
    const heardByLeft = new ToneDetector({ frequency: 1000 });
    right.onAudio((frame) => heardByRight.push(frame));
    left.onAudio((frame) => heardByLeft.push(frame));
    const tone = new ToneGenerator({ frequency: 1000 });
    left.start(() => tone.next());
    right.start(silence);
    await sleep(1000);
    expect(heardByRight.toneFrames).toBeGreaterThan(35);
    expect(heardByRight.present).toBe(true);
    expect(heardByLeft.toneFrames).toBe(0);
    const [sent, received] = [left.stats(), right.stats()];
    expect(sent.packetsSent).toBeGreaterThanOrEqual(45);
    expect(sent.packetsSent).toBeLessThanOrEqual(53);
    expect(sent.bytesSent).toBe(sent.packetsSent * 160);
    expect(received.packetsReceived).toBeGreaterThanOrEqual(sent.packetsSent - 2);
    expect(received.packetsLost).toBe(0);
    expect(received.jitterMs).toBeLessThan(10);
    expect(received.remoteSource).toEqual(a.bound);
    expect(sent.packetsReceived).toBeGreaterThanOrEqual(45);
    expect(sent.remoteSource).toEqual(b.bound);
    for (const stats of [sent, received]) {
      expect(Date.parse(stats.firstSentAt ?? '')).not.toBeNaN();
      expect(Date.parse(stats.firstReceivedAt ?? '')).not.toBeNaN();
    }
  });

  it('paces 50 packets a second without drift', async () => {
    const [a, b] = [await bind(), await bind()];
    const arrivals: number[] = [];
    b.on('rtp', () => arrivals.push(performance.now()));
    const sender = session(a);
    sender.setRemote(b.bound);
    sender.start(silence);
    await sleep(2000);
    sender.stop();
    const intervals = arrivals.slice(1).map((t, i) => t - (arrivals[i] ?? t));
    const perSecond =
      (arrivals.length - 1) / (((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)) / 1000);
    expect(perSecond).toBeGreaterThan(49);
    expect(perSecond).toBeLessThan(51);
    const deviations = intervals.map((interval) => Math.abs(interval - 20)).sort((x, y) => x - y);
    expect(deviations[Math.floor(deviations.length / 2)]).toBeLessThan(2);
  });

  it('latches onto the source the remote really sends from (symmetric RTP)', async () => {
    const [a, b, decoy] = [await bind(), await bind(), await bind()];
    let decoyPackets = 0;
    decoy.on('rtp', () => decoyPackets++);
    const [left, right] = [session(a), session(b)];
    left.setRemote(decoy.bound); // the SDP said one address...
    right.setRemote(a.bound); // ...but the remote sends from another
    left.start(silence);
    right.start(silence);
    await sleep(400);
    expect(left.isLatched).toBe(true);
    expect(left.sendTarget).toEqual(b.bound);
    expect(left.stats().remoteSource).toEqual(b.bound);
    expect(decoyPackets).toBeLessThanOrEqual(4);
    expect(right.stats().packetsReceived).toBeGreaterThan(10);
  });

  it('carries DTMF end to end (RFC 4733), each digit once', async () => {
    const [a, b] = [await bind(), await bind()];
    const [left, right] = [session(a), session(b)];
    left.setRemote(b.bound);
    right.setRemote(a.bound);
    const digits: string[] = [];
    right.onDtmf((digit) => digits.push(digit));
    left.start(silence);
    right.start(silence);
    expect(left.sendDtmf('4747#')).toBe(true);
    await sleep(5 * 280 + 300);
    expect(digits.join('')).toBe('4747#');
  });

  it('puts telephone-events on the wire contiguously, with audio on either side', async () => {
    const [a, b] = [await bind(), await bind()];
    const wire: Array<{ payloadType: number; timestamp: number }> = [];
    b.on('rtp', (datagram) => {
      const packet = parseRtp(datagram);
      if (packet) wire.push(packet);
    });
    const sender = session(a);
    sender.setRemote(b.bound);
    sender.start(silence);
    await sleep(60);
    sender.sendDtmf('1');
    await sleep(300);
    const types = wire.map((packet) => packet.payloadType).join(',');
    expect(types).toMatch(/^(0,)+(101,){7}(0,?)+$/);
  });

  it('exchanges RTCP reports on the companion sockets, with a round-trip time', async () => {
    const [left, right] = [
      await allocateRtpEndpoints({ address: '127.0.0.1' }),
      await allocateRtpEndpoints({ address: '127.0.0.1' }),
    ];
    for (const pair of [left, right])
      cleanups.push(
        () => pair.rtp.close(),
        () => pair.rtcp.close(),
      );
    const [l, r] = [
      session(left.rtp, { rtcpEndpoint: left.rtcp, rtcpIntervalMs: 150 }),
      session(right.rtp, { rtcpEndpoint: right.rtcp, rtcpIntervalMs: 150 }),
    ];
    l.setRemote(right.rtp.bound);
    r.setRemote(left.rtp.bound);
    l.start(silence);
    r.start(silence);
    await sleep(900);
    const report = r.lastRemoteRtcp;
    expect(report?.from).toEqual(left.rtcp.bound);
    expect(report?.compound.reports[0]).toMatchObject({ type: 'sr', ssrc: l.ssrc });
    const rtts = [l.lastRemoteRtcp?.rttMs, r.lastRemoteRtcp?.rttMs];
    expect(rtts.some((rtt) => rtt !== null && rtt !== undefined)).toBe(true);
    for (const rtt of rtts) if (rtt !== null && rtt !== undefined) expect(rtt).toBeLessThan(100);
    // The call's stats carry the latest round trip, for the call screen's quality word.
    const statsRtts = [l.stats().rttMs, r.stats().rttMs];
    expect(statsRtts.some((rtt) => rtt !== undefined)).toBe(true);
    for (const rtt of statsRtts) if (rtt !== undefined) expect(rtt).toBeLessThan(100);
  });

  it('sends nothing once stopped', async () => {
    const [a, b] = [await bind(), await bind()];
    let count = 0;
    b.on('rtp', () => count++);
    const sender = session(a);
    sender.setRemote(b.bound);
    sender.start(silence);
    await sleep(100);
    sender.stop();
    await sleep(20);
    const atStop = count;
    await sleep(150);
    expect(atStop).toBeGreaterThan(3);
    expect(count).toBe(atStop);
  });

  it('survives a flood of hostile datagrams', async () => {
    const [a, b] = [await bind(), await bind()];
    const right = session(b);
    right.setRemote(a.bound);
    right.start(() => null);
    let delivered = 0;
    b.on('rtp', () => delivered++);
    let seed = 17;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let batch = 0; batch < 10; batch++) {
      const sends: Array<Promise<void>> = [];
      for (let i = 0; i < 50; i++) {
        const datagram = Uint8Array.from({ length: 1 + Math.floor(random() * 200) }, () =>
          Math.floor(random() * 256),
        );
        datagram[0] = 0x80 | ((datagram[0] ?? 0) & 0x3f); // into the RTP/RTCP range of the demux
        sends.push(a.send(datagram, b.bound));
      }
      await Promise.all(sends);
      await sleep(5);
    }
    await sleep(50);
    expect(delivered).toBeGreaterThan(250);
    // Random bytes can pass for RTP of ours now and then (1 in 64 payload types match).
    expect(right.dropped).toBeGreaterThan(delivered * 0.9);
    expect(b.droppedDatagrams).toBe(0); // the session handled every one: none threw
  });
});
