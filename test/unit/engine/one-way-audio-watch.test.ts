import { describe, expect, it } from 'vitest';
import type { RemoteRtcp } from '../../../src-main/media/rtp-session.js';
import type { ReportBlock } from '../../../src-main/media/rtcp.js';
import {
  OneWayAudioWatch,
  type MediaSample,
} from '../../../src-main/engine/one-way-audio-watch.js';

const OUR_SSRC = 0x1234;

/** A call sampled every 250 ms: we send 12–13 packets per sample, the far end `receiving` ones. */
function sampler() {
  let atMs = 0;
  let sent = 0;
  let received = 0;
  let report: RemoteRtcp | null = null;
  return {
    next(options: { receive?: boolean; send?: boolean; held?: boolean } = {}): MediaSample {
      atMs += 250;
      if (options.send !== false) sent += 12;
      if (options.receive) received += 12;
      return {
        atMs,
        packetsSent: sent,
        packetsReceived: received,
        held: options.held ?? false,
        rtcp: { report, ourSsrc: OUR_SSRC },
      };
    },
    /** The far end's next RTCP: a sender report with `packets` sent, and a block about us. */
    rtcp(packets: number | null, heardSequence: number | null): void {
      const blocks: ReportBlock[] =
        heardSequence === null
          ? []
          : [
              {
                ssrc: OUR_SSRC,
                fractionLost: 0,
                cumulativeLost: 0,
                extendedHighestSequence: heardSequence,
                jitter: 0,
                lastSr: 0,
                delaySinceLastSr: 0,
              },
            ];
      const sender =
        packets === null
          ? undefined
          : { ntpSeconds: 0, ntpFraction: 0, rtpTimestamp: 0, packetCount: packets, octetCount: 0 };
      report = {
        receivedAt: new Date().toISOString(),
        from: { address: '198.51.100.10', port: 16001 },
        compound: {
          reports: [
            { type: sender ? 'sr' : 'rr', ssrc: 99, ...(sender ? { sender } : {}), blocks },
          ],
          cnames: [],
          bye: [],
        },
        rttMs: null,
      };
    },
  };
}

function run(watch: OneWayAudioWatch, samples: () => MediaSample, count: number) {
  const verdicts = [];
  for (let i = 0; i < count; i++) verdicts.push(watch.observe(samples()));
  return verdicts;
}

describe('OneWayAudioWatch', () => {
  it('audio both ways is never one-way', () => {
    const watch = new OneWayAudioWatch();
    const call = sampler();
    expect(run(watch, () => call.next({ receive: true }), 40).filter(Boolean)).toEqual([]);
  });

  it('RTP that stops for 3 s while we send is not-receiving, not before', () => {
    const watch = new OneWayAudioWatch();
    const call = sampler();
    run(watch, () => call.next({ receive: true }), 8);
    const verdicts = run(watch, () => call.next(), 12);
    // 11 silent samples of 250 ms are 2.75 s: still fine; the 12th makes 3 s.
    expect(verdicts.slice(0, 11).filter(Boolean)).toEqual([]);
    expect(verdicts[11]).toBe('not-receiving');
  });

  it('after the answer, no first packet for 3 s counts as one-way too', () => {
    const watch = new OneWayAudioWatch();
    const call = sampler();
    const verdicts = run(watch, () => call.next(), 13);
    expect(verdicts.indexOf('not-receiving')).toBe(12);
  });

  it('on hold, or while we send nothing, silence is not judged, and the clock starts over', () => {
    const watch = new OneWayAudioWatch();
    const call = sampler();
    run(watch, () => call.next({ receive: true }), 4);
    expect(run(watch, () => call.next({ held: true }), 40).filter(Boolean)).toEqual([]);
    expect(run(watch, () => call.next({ send: false }), 40).filter(Boolean)).toEqual([]);
    // Resumed: the far end gets its own 3 s again.
    const resumed = run(watch, () => call.next(), 13);
    expect(resumed.indexOf('not-receiving')).toBe(12);
  });

  it('a far end that says in RTCP it sent nothing (silence suppression) is quiet, not lost', () => {
    const watch = new OneWayAudioWatch();
    const call = sampler();
    call.rtcp(500, null);
    run(watch, () => call.next({ receive: true }), 8);
    call.rtcp(500, null);
    expect(run(watch, () => call.next(), 30).filter(Boolean)).toEqual([]);
    // Its next report says it did send: those packets were lost on the way.
    call.rtcp(650, null);
    expect(watch.observe(call.next())).toBe('not-receiving');
  });

  it('RTCP showing our stream not advancing for 3 s is not-heard; absent RTCP proves nothing', () => {
    const watch = new OneWayAudioWatch();
    const call = sampler();
    expect(run(watch, () => call.next({ receive: true }), 40).filter(Boolean)).toEqual([]);
    call.rtcp(100, 1000);
    run(watch, () => call.next({ receive: true }), 4);
    call.rtcp(200, 1200);
    expect(run(watch, () => call.next({ receive: true }), 12).filter(Boolean)).toEqual([]);
    // The next report comes 3 s later and still says 1200: our RTP stopped reaching it.
    call.rtcp(300, 1200);
    expect(watch.observe(call.next({ receive: true }))).toBe('not-heard');
  });
});
