import { describe, expect, it } from 'vitest';
import {
  AUDIO_FRAME_BYTES,
  AUDIO_FRAME_SAMPLES,
  decodeAudioMessage,
  encodeAudioMessage,
} from '../../../src-shared/audio-link.js';

describe('audio link binary encoding', () => {
  it('round-trips frames and delays', () => {
    const pcm = new Int16Array(AUDIO_FRAME_SAMPLES).map((_, i) => i * 50 - 8000).buffer;
    const mic = decodeAudioMessage(encodeAudioMessage({ kind: 'mic', pcm, at: 1234.5 }));
    expect(mic?.kind).toBe('mic');
    expect(mic && 'at' in mic ? mic.at : null).toBe(1234.5);
    expect(mic && 'pcm' in mic ? [...new Int16Array(mic.pcm)] : null).toEqual([
      ...new Int16Array(pcm),
    ]);
    expect(decodeAudioMessage(encodeAudioMessage({ kind: 'uplink-delay', ms: 17 }))).toEqual({
      kind: 'uplink-delay',
      ms: 17,
    });
    expect(
      decodeAudioMessage(encodeAudioMessage({ kind: 'playout-delay', ms: 21, underruns: 2 })),
    ).toEqual({ kind: 'playout-delay', ms: 21, underruns: 2 });
  });

  it('rejects short, unknown or mis-sized messages', () => {
    expect(decodeAudioMessage(new ArrayBuffer(3))).toBeNull();
    const unknownKind = new Uint8Array(9 + AUDIO_FRAME_BYTES);
    unknownKind[0] = 200;
    expect(decodeAudioMessage(unknownKind.buffer)).toBeNull();
    const shortFrame = new Uint8Array(9 + 10);
    expect(decodeAudioMessage(shortFrame.buffer)).toBeNull();
    const negativeDelay = new DataView(new ArrayBuffer(9));
    negativeDelay.setUint8(0, 2);
    negativeDelay.setFloat64(1, -5);
    expect(decodeAudioMessage(negativeDelay.buffer)).toBeNull();
  });
});
