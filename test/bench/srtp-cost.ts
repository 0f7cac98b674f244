/**
 * The CPU cost of SRTP for one call: both ends of a call in this process on loopback (two RTP
 * sessions sending a tone at 50 packets a second each way, RTCP beside), once in plain RTP and
 * once through SRTP (AES_CM_128_HMAC_SHA1_80, the transport a call uses), runs interleaved so
 * that the shared machine's load falls on both alike. The figure is the process's CPU over the
 * run, in % of one core; the call's media is all the process does.
 */
import { ToneGenerator } from '../../src-main/media/tone.js';
import { RtpSession } from '../../src-main/media/rtp-session.js';
import { parseAudioSdp, buildAudioSdp } from '../../src-main/media/sdp.js';
import { SrtpNegotiation } from '../../src-main/media/srtp-negotiation.js';
import { emptySrtpDrops, srtpTransport } from '../../src-main/media/srtp-transport.js';
import type { MediaTransport } from '../../src-main/net/media-transport.js';
import { UdpEndpoint } from '../../src-main/net/udp-endpoint.js';
import { median } from './stats.js';

export interface SrtpCost {
  /** % of a core per run, for both ends of one call. */
  plain: number[];
  srtp: number[];
  plainMedian: number;
  srtpMedian: number;
  /** Packets both ends received in the SRTP runs, to show that the media did flow. */
  srtpPacketsReceived: number;
  srtpDropped: number;
}

/** Two phones' SRTP as offer and answer would settle it. */
function negotiatedPair(): [SrtpNegotiation, SrtpNegotiation] {
  const caller = new SrtpNegotiation('required');
  const callee = new SrtpNegotiation('required');
  const sdp = (description: ReturnType<SrtpNegotiation['offer']>) => {
    const parsed = parseAudioSdp(
      buildAudioSdp({
        sessionId: '1',
        sessionVersion: 1,
        connection: '127.0.0.1',
        audioPort: 9,
        codecs: ['PCMU'],
        profile: description.profile,
        crypto: description.crypto,
      }),
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed;
  };
  if (callee.acceptOffer(sdp(caller.offer())) !== null) throw new Error('offer refused');
  if (caller.acceptAnswer(sdp(callee.answer())) !== null) throw new Error('answer refused');
  return [caller, callee];
}

async function oneRun(
  seconds: number,
  encrypted: boolean,
): Promise<{ cpu: number; received: number; dropped: number }> {
  const sockets = await Promise.all(
    [0, 1, 2, 3].map(() => UdpEndpoint.bind({ address: '127.0.0.1' })),
  );
  const [aRtp, aRtcp, bRtp, bRtcp] = sockets as [
    UdpEndpoint,
    UdpEndpoint,
    UdpEndpoint,
    UdpEndpoint,
  ];
  const drops = emptySrtpDrops();
  const pair = encrypted ? negotiatedPair() : null;
  const wrap = (transport: MediaTransport, side: 0 | 1): MediaTransport => {
    const negotiation = pair?.[side];
    return negotiation ? srtpTransport(transport, () => negotiation.contexts(), drops) : transport;
  };
  const session = (rtp: UdpEndpoint, rtcp: UdpEndpoint, side: 0 | 1) =>
    new RtpSession(wrap(rtp, side), {
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPt: 101,
      rtcpEndpoint: wrap(rtcp, side),
      rtcpIntervalMs: 1000,
    });
  const a = session(aRtp, aRtcp, 0);
  const b = session(bRtp, bRtcp, 1);
  a.setRemote(bRtp.bound, bRtcp.bound);
  b.setRemote(aRtp.bound, aRtcp.bound);
  const toneA = new ToneGenerator({ frequency: 1000 });
  const toneB = new ToneGenerator({ frequency: 1000 });
  const startedCpu = process.cpuUsage();
  const startedAt = performance.now();
  a.start(() => toneA.next());
  b.start(() => toneB.next());
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const used = process.cpuUsage(startedCpu);
  const elapsedMs = performance.now() - startedAt;
  a.stop();
  b.stop();
  const received = a.stats().packetsReceived + b.stats().packetsReceived;
  await Promise.all(sockets.map((socket) => socket.close()));
  const cpu = ((used.user + used.system) / 1000 / elapsedMs) * 100;
  return { cpu, received, dropped: drops.auth + drops.replay + drops.malformed };
}

export async function measureSrtpCost(options: {
  seconds: number;
  runs: number;
  progress?: (line: string) => void;
}): Promise<SrtpCost> {
  const plain: number[] = [];
  const srtp: number[] = [];
  let srtpPacketsReceived = 0;
  let srtpDropped = 0;
  for (let run = 0; run < options.runs; run++) {
    options.progress?.(`SRTP cost, run ${run + 1}/${options.runs}: plain RTP, then SRTP`);
    plain.push((await oneRun(options.seconds, false)).cpu);
    const secured = await oneRun(options.seconds, true);
    srtp.push(secured.cpu);
    srtpPacketsReceived += secured.received;
    srtpDropped += secured.dropped;
  }
  return {
    plain,
    srtp,
    plainMedian: median(plain),
    srtpMedian: median(srtp),
    srtpPacketsReceived,
    srtpDropped,
  };
}
