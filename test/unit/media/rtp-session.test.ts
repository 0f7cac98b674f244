import { afterEach, describe, expect, it } from 'vitest';
import { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';
import { allocateRtpEndpoints } from '../../../src-main/media/rtp-port-allocator.js';
import { RtpSession } from '../../../src-main/media/rtp-session.js';
import { serializeRtp } from '../../../src-main/media/rtp-packet.js';
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

function session(endpoint: UdpEndpoint, codec: 'PCMU' | 'PCMA' = 'PCMU'): RtpSession {
  const rtp = new RtpSession(endpoint, {
    codec,
    payloadType: codec === 'PCMU' ? 0 : 8,
    telephoneEventPt: 101,
  });
  cleanups.push(() => rtp.stop());
  return rtp;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RtpSession on loopback', () => {
  it('carries a tone both ways, paced at 50 packets a second, with statistics', async () => {
    const [a, b] = [await bind(), await bind()];
    const [left, right] = [session(a), session(b)];
    left.setRemote(b.bound);
    right.setRemote(a.bound);
    const heardByRight = new ToneDetector({ frequency: 1000 });
    right.onAudio((frame) => heardByRight.push(frame));
    const tone = new ToneGenerator({ frequency: 1000 });
    const sendTimes: number[] = [];
    left.onPacketSent = (at) => sendTimes.push(at);
    left.start(() => tone.next());
    right.start(() => new Int16Array(160));
    await sleep(1000);
    const stats = left.stats();
    expect(stats.packetsSent).toBeGreaterThanOrEqual(45);
    expect(stats.packetsSent).toBeLessThanOrEqual(53);
    expect(stats.packetsReceived).toBeGreaterThanOrEqual(45);
    expect(stats.firstSentAt).not.toBeNull();
    expect(right.stats().packetsReceived).toBeGreaterThanOrEqual(45);
    expect(right.stats().packetsLost).toBe(0);
    expect(right.stats().remoteSource).toEqual(a.bound);
    expect(heardByRight.toneFrames).toBeGreaterThan(30);
    const intervals = sendTimes.slice(1).map((t, i) => t - (sendTimes[i] ?? t));
    const mean = intervals.reduce((sum, x) => sum + x, 0) / intervals.length;
    expect(mean).toBeGreaterThan(18);
    expect(mean).toBeLessThan(22);
  });

  it('sends nothing while muted (source returns null) or on hold (recvonly/inactive)', async () => {
    const [a, b] = [await bind(), await bind()];
    const left = session(a);
    left.setRemote(b.bound);
    left.setDirection('inactive');
    left.start(() => new Int16Array(160));
    await sleep(200);
    expect(left.stats().packetsSent).toBe(0);
    left.setDirection('sendonly');
    await sleep(200);
    expect(left.stats().packetsSent).toBeGreaterThan(5);
  });

  it('latches onto the source the remote really sends from (symmetric RTP)', async () => {
    const [a, b, decoy] = [await bind(), await bind(), await bind()];
    const left = session(a);
    const right = session(b);
    left.setRemote(decoy.bound); // the SDP said one address...
    right.setRemote(a.bound); // ...but the remote sends from another
    left.start(() => new Int16Array(160));
    right.start(() => new Int16Array(160));
    await sleep(300);
    expect(right.stats().packetsReceived).toBeGreaterThan(3);
    expect(left.stats().remoteSource).toEqual(b.bound);
  });

  it('carries DTMF end to end (RFC 4733)', async () => {
    const [a, b] = [await bind(), await bind()];
    const [left, right] = [session(a), session(b)];
    left.setRemote(b.bound);
    right.setRemote(a.bound);
    const digits: string[] = [];
    right.onDtmf((digit) => digits.push(digit));
    left.start(() => new Int16Array(160));
    right.start(() => new Int16Array(160));
    left.sendDtmf('4747#');
    await sleep(5 * 240 + 300);
    expect(digits.join('')).toBe('4747#');
  });

  it('counts and drops hostile packets without failing', async () => {
    const [a, b] = [await bind(), await bind()];
    const right = session(b);
    right.setRemote(a.bound);
    right.start(() => null);
    const junk = [
      Buffer.from([0x80]),
      Buffer.from([0x80, 0x00, 0x01]),
      Buffer.alloc(200, 0xbf),
      serializeRtp({
        marker: false,
        payloadType: 96,
        sequenceNumber: 1,
        timestamp: 1,
        ssrc: 1,
        payload: new Uint8Array(160),
      }),
    ];
    for (const datagram of junk) await a.send(datagram, b.bound);
    await sleep(100);
    expect(right.dropped).toBeGreaterThanOrEqual(3);
    expect(right.stats().packetsReceived).toBe(0);
  });

  it('allocates an even RTP port with RTCP on the next one', async () => {
    const { rtp, rtcp } = await allocateRtpEndpoints({ address: '127.0.0.1' });
    cleanups.push(
      () => rtp.close(),
      () => rtcp.close(),
    );
    expect(rtp.bound.port % 2).toBe(0);
    expect(rtcp.bound.port).toBe(rtp.bound.port + 1);
  });
});
