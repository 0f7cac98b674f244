/**
 * A call's voice codec between the 16 kHz audio link and the RTP payload: G.722 codes the link's
 * 16 kHz audio as it is; G.711 (PCMU, PCMA) codes 8 kHz, so its side of the link is low-passed
 * and decimated on the way out and interpolated on the way in (link-rate.ts).
 *
 * Every codec here runs its RTP clock at 8000 Hz, G.722 included: RFC 3551 §4.5.2 keeps G.722's
 * clock rate at 8000 (an error in RFC 1890 kept for compatibility), so its timestamps advance by
 * 160 per 20 ms although the packet carries 320 samples.
 */
import { AUDIO_SAMPLE_RATE } from '../../src-shared/audio-format.js';
import type { CodecName } from '../../src-shared/codec-order.js';
import { decodeG711, encodeG711 } from './g711.js';
import { G722Decoder, G722Encoder, G722_SAMPLE_RATE } from './g722.js';
import { LinkRateConverter } from './link-rate.js';

export type VoiceCodecName = CodecName;

/** Static payload types (RFC 3551 §6, Table 4). */
export const VOICE_PAYLOAD_TYPES: Readonly<Record<VoiceCodecName, number>> = {
  PCMU: 0,
  PCMA: 8,
  G722: 9,
};

/** The RTP clock rate of every codec here, and of telephone-event beside them. */
export const RTP_CLOCK_RATE = 8000;

/** The rate each codec's audio is sampled at (what its decoder yields). */
export const VOICE_SAMPLE_RATES: Readonly<Record<VoiceCodecName, number>> = {
  PCMU: 8000,
  PCMA: 8000,
  G722: G722_SAMPLE_RATE,
};

/** One direction's state is kept per stream: G.722's ADPCM and the resampler's filters. */
export interface VoiceCodec {
  readonly name: VoiceCodecName;
  /** The rate of {@link decode}'s output. */
  readonly sampleRate: number;
  /** A link frame (16 kHz) → the payload of one packet. */
  encode(linkFrame: Int16Array): Uint8Array;
  /** A payload → audio at the codec's own rate, for the jitter buffer. */
  decode(payload: Uint8Array): Int16Array;
  /** Played audio at the codec's rate → link rate, in playout order. */
  toLink(frame: Int16Array): Int16Array;
}

export function createVoiceCodec(name: VoiceCodecName): VoiceCodec {
  if (name === 'G722') {
    const encoder = new G722Encoder();
    const decoder = new G722Decoder();
    return {
      name,
      sampleRate: G722_SAMPLE_RATE,
      encode: (frame) => encoder.encode(frame),
      decode: (payload) => decoder.decode(payload),
      toLink: (frame) => frame,
    };
  }
  const rate = VOICE_SAMPLE_RATES[name];
  const ratio = AUDIO_SAMPLE_RATE / rate;
  const toCodec = new LinkRateConverter(ratio);
  const toLink = new LinkRateConverter(ratio);
  return {
    name,
    sampleRate: rate,
    encode: (frame) => encodeG711(toCodec.down(frame), name),
    decode: (payload) => decodeG711(payload, name),
    toLink: (frame) => toLink.up(frame),
  };
}
