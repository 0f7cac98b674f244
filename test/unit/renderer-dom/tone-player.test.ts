import { afterEach, describe, expect, it, vi } from 'vitest';
import { TonePlayer } from '../../../src-renderer/src/audio/tone-player.js';

/** The levels the player sets on its gain, in order: a stand-in for Web Audio's context. */
function fakeAudio(): number[] {
  const levels: number[] = [];
  class FakeContext {
    currentTime = 0;
    destination = {};
    createGain() {
      return {
        gain: { value: 0, setValueAtTime: (value: number) => levels.push(value) },
        connect: () => undefined,
        disconnect: () => undefined,
      };
    }
    createOscillator() {
      return {
        frequency: { value: 0 },
        connect: () => undefined,
        start: () => undefined,
        stop: () => undefined,
      };
    }
    resume = async () => undefined;
    suspend = async () => undefined;
  }
  vi.stubGlobal('AudioContext', FakeContext);
  return levels;
}

afterEach(() => vi.unstubAllGlobals());

describe('the ringtone’s volume', () => {
  const onLevels = (levels: number[]) => levels.filter((level) => level > 0);

  it('scales the ringtone, 100 % its usual level, 0 % silent', async () => {
    for (const [percent, expected] of [
      [100, 0.25],
      [50, 0.125],
      [200, 0.5],
      [0, 0],
    ] as const) {
      const levels = fakeAudio();
      const player = new TonePlayer();
      await player.play('ring', null, percent);
      player.stop();
      expect(Math.max(...levels)).toBeCloseTo(expected, 9);
      expect(new Set(onLevels(levels)).size).toBeLessThanOrEqual(1);
    }
  });

  it('leaves the ringback as it is', async () => {
    const levels = fakeAudio();
    const player = new TonePlayer();
    await player.play('ringback', null, 20);
    player.stop();
    expect(Math.max(...levels)).toBeCloseTo(0.08, 9);
  });
});
