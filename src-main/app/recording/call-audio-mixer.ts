/**
 * Both sides of a call in one mono track: each interval of the RTP clock gives the frame we sent
 * (the microphone) and, most of the time, the frame we received; the two are added. They come
 * one after the other, not together, so each side waits in a short lane for its partner; when
 * one side goes quiet (muted: nothing is pulled; the far end sends nothing) the other's frames
 * go out alone after a short wait, so the recording keeps time with whoever still speaks.
 */

/** Frames a lane holds before its oldest goes out alone: 40 ms, more than one interval's skew. */
const MAX_UNPAIRED_FRAMES = 2;

export type MixerSide = 'near' | 'far';

/** Adds two frames sample by sample, held to the 16-bit range (a clipped peak, not a wrap). */
export function mixFrames(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) {
    const sum = (a[i] ?? 0) + (b[i] ?? 0);
    out[i] = sum > 32767 ? 32767 : sum < -32768 ? -32768 : sum;
  }
  return out;
}

export class CallAudioMixer {
  private readonly lanes: Record<MixerSide, Int16Array[]> = { near: [], far: [] };

  constructor(private readonly output: (mixed: Int16Array) => void) {}

  push(side: MixerSide, frame: Int16Array): void {
    const other = this.lanes[side === 'near' ? 'far' : 'near'];
    const partner = other.shift();
    if (partner) {
      this.output(mixFrames(frame, partner));
      return;
    }
    const lane = this.lanes[side];
    // Copied: the caller may reuse its buffer (the silence frame is shared).
    lane.push(new Int16Array(frame));
    while (lane.length > MAX_UNPAIRED_FRAMES) {
      const alone = lane.shift();
      if (alone) this.output(alone);
    }
  }

  /** What still waits in either lane, at the end of the recording. */
  drain(): void {
    for (const side of ['near', 'far'] as const) {
      for (const frame of this.lanes[side].splice(0)) this.output(frame);
    }
  }
}
