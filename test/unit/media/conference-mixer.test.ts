import { describe, expect, it } from 'vitest';
import { AUDIO_FRAME_SAMPLES } from '../../../src-shared/audio-format.js';
import { ConferenceMixer, mixFrames } from '../../../src-main/media/conference-mixer.js';
import { ToneDetector, ToneGenerator } from '../../../src-main/media/tone.js';

const tone = (frequency: number, frameSamples = AUDIO_FRAME_SAMPLES) =>
  new ToneGenerator({ frequency, amplitude: 6000, frameSamples });

function detects(frequency: number, frames: Int16Array[]): number {
  const detector = new ToneDetector({ frequency, minShare: 0.25 });
  return frames.filter((frame) => detector.push(frame)).length;
}

describe('mixFrames', () => {
  it('saturates instead of wrapping', () => {
    const loud = Int16Array.from([30000, -30000, 100]);
    expect([...mixFrames([loud, loud])]).toEqual([32767, -32768, 200]);
  });

  it('takes frames of any length, a shorter one silent past its end', () => {
    const mixed = mixFrames([Int16Array.from([1, 2, 3, 4]), Int16Array.from([10])]);
    expect([...mixed]).toEqual([11, 2, 3, 4]);
  });

  it('gives one frame of silence when nobody speaks', () => {
    expect(mixFrames([null, null])).toEqual(new Int16Array(AUDIO_FRAME_SAMPLES));
  });
});

describe('ConferenceMixer', () => {
  /** Runs both legs' clocks for `ticks` intervals, each party speaking its tone. */
  function run(
    mixer: ConferenceMixer,
    ticks: number,
    parties: { first: ToneGenerator; second: ToneGenerator },
    order: 'first-first' | 'second-first' = 'first-first',
  ) {
    const sent = { first: [] as Int16Array[], second: [] as Int16Array[] };
    for (let i = 0; i < ticks; i++) {
      const legs =
        order === 'first-first' ? (['first', 'second'] as const) : (['second', 'first'] as const);
      for (const leg of legs) {
        sent[leg].push(mixer.frameFor(leg));
        mixer.heard(leg, parties[leg].next());
      }
    }
    return sent;
  }

  it.each(['first-first', 'second-first'] as const)(
    'each party hears the user and the other party; the user hears both (%s)',
    (order) => {
      const user = tone(700);
      const heardByUser: Int16Array[] = [];
      const mixer = new ConferenceMixer({
        userSource: () => user.next(),
        onUserAudio: (frame) => heardByUser.push(frame),
      });
      const sent = run(mixer, 50, { first: tone(440), second: tone(1000) }, order);
      // The first party hears the user and the second party, never its own voice.
      expect(detects(700, sent.first)).toBeGreaterThan(40);
      expect(detects(1000, sent.first)).toBeGreaterThan(40);
      expect(detects(440, sent.first)).toBe(0);
      expect(detects(700, sent.second)).toBeGreaterThan(40);
      expect(detects(440, sent.second)).toBeGreaterThan(40);
      expect(detects(1000, sent.second)).toBe(0);
      expect(detects(440, heardByUser)).toBeGreaterThan(40);
      expect(detects(1000, heardByUser)).toBeGreaterThan(40);
      expect(detects(700, heardByUser)).toBe(0);
    },
  );

  it('sends each frame of the user to both parties once, however the pulls interleave', () => {
    let counter = 0;
    const mixer = new ConferenceMixer({
      userSource: () => new Int16Array(4).fill(++counter),
      onUserAudio: () => undefined,
    });
    const first = [mixer.frameFor('first'), mixer.frameFor('first')].map((f) => f[0]);
    const second = [mixer.frameFor('second'), mixer.frameFor('second'), mixer.frameFor('second')];
    expect(first).toEqual([1, 2]);
    expect(second.map((f) => f[0])).toEqual([1, 2, 3]);
    expect(mixer.frameFor('first')[0]).toBe(3);
  });

  it('a muted user is heard by neither party, who still hear each other', () => {
    const user = tone(700);
    const mixer = new ConferenceMixer({
      userSource: () => user.next(),
      onUserAudio: () => undefined,
    });
    mixer.muted = true;
    const sent = run(mixer, 30, { first: tone(440), second: tone(1000) });
    expect(detects(700, sent.first)).toBe(0);
    expect(detects(700, sent.second)).toBe(0);
    expect(detects(1000, sent.first)).toBeGreaterThan(20);
    expect(detects(440, sent.second)).toBeGreaterThan(20);
  });

  it('mixes frames of another length than 20 ms at 8 kHz', () => {
    const samples = AUDIO_FRAME_SAMPLES * 2;
    const user = tone(700, samples);
    const mixer = new ConferenceMixer({
      userSource: () => user.next(),
      onUserAudio: () => undefined,
    });
    const sent = run(mixer, 10, { first: tone(440, samples), second: tone(1000, samples) });
    expect(sent.first.every((frame) => frame.length === samples)).toBe(true);
  });

  it('a leg whose clock stopped does not keep the user audio piling up', () => {
    let pulls = 0;
    const mixer = new ConferenceMixer({
      userSource: () => new Int16Array(4).fill(++pulls),
      onUserAudio: () => undefined,
    });
    for (let i = 0; i < 1000; i++) mixer.frameFor('first');
    // The second leg catches up to the recent past, not to the first frame.
    const caughtUp = mixer.frameFor('second')[0] ?? 0;
    expect(caughtUp).toBeGreaterThan(990);
    // From there on both legs send the same frames again, one pull each.
    expect(mixer.frameFor('first')[0]).toBe(caughtUp);
    expect(pulls).toBe(caughtUp);
  });
});
