/**
 * A local three-way conference: the user and two far parties, each on a call of its own. Every
 * party hears the other two: each leg sends the user's voice plus the other party's, and the
 * user hears both parties. Mixing works on decoded PCM, so the legs may use different codecs;
 * each leg's RTP session encodes what it is given. Nothing here assumes a frame length.
 */
import { AUDIO_FRAME_SAMPLES } from '../../src-shared/audio-format.js';
import type { AudioSource } from './rtp-session.js';

/** Frames of a party kept for the other leg and the user; older ones are delay and are dropped. */
const MAX_QUEUED_FRAMES = 3;
/** How far one leg's sender may fall behind the other in the user's audio before it skips ahead. */
const MAX_USER_LAG_FRAMES = 4;

export type ConferenceLeg = 'first' | 'second';

/**
 * Sums frames sample by sample, clamped to 16 bits (a loud sum saturates instead of wrapping); a
 * shorter frame counts as silence past its end. With no frame at all, one frame of silence.
 */
export function mixFrames(frames: readonly (Int16Array | null)[]): Int16Array {
  const present = frames.filter((frame): frame is Int16Array => frame !== null);
  if (present.length === 0) return new Int16Array(AUDIO_FRAME_SAMPLES);
  const length = Math.max(...present.map((frame) => frame.length));
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (const frame of present) sum += frame[i] ?? 0;
    out[i] = sum > 32767 ? 32767 : sum < -32768 ? -32768 : sum;
  }
  return out;
}

export interface ConferenceMixerOptions {
  /** The user's voice (the microphone in the app, a tone in the CLI); null reads as silence. */
  userSource: AudioSource;
  /** What the user hears: both parties mixed, one frame per interval of the first leg. */
  onUserAudio: (frame: Int16Array) => void;
}

/**
 * Both legs' RTP clocks pull from it and feed it; their ticks share one grid but not an order, so
 * the user's frames are kept in a short list that each leg reads at its own position (one frame
 * of the user's voice reaches both parties, however the pulls interleave), and each party's
 * frames wait in short queues until the other leg and the user take them.
 */
export class ConferenceMixer {
  muted = false;
  private readonly userFrames: (Int16Array | null)[] = [];
  /** The position of userFrames[0] in the user's stream. */
  private userBase = 0;
  private readonly position: Record<ConferenceLeg, number> = { first: 0, second: 0 };
  /** What each party said, waiting for the other party's leg to send it. */
  private readonly forOtherParty: Record<ConferenceLeg, Int16Array[]> = { first: [], second: [] };
  /** What each party said, waiting for the user's speaker. */
  private readonly forUser: Record<ConferenceLeg, Int16Array[]> = { first: [], second: [] };

  constructor(private readonly options: ConferenceMixerOptions) {}

  /**
   * The next frame a leg sends: the user's voice (unless muted) and what the other party said.
   * The first leg's pull also paces the user's speaker.
   */
  frameFor(leg: ConferenceLeg): Int16Array {
    const user = this.nextUserFrame(leg);
    const party = this.forOtherParty[other(leg)].shift() ?? null;
    if (leg === 'first') this.playToUser();
    return mixFrames([this.muted ? null : user, party]);
  }

  /** A frame a leg's party sent, decoded. */
  heard(leg: ConferenceLeg, frame: Int16Array): void {
    enqueue(this.forOtherParty[leg], frame);
    enqueue(this.forUser[leg], frame);
  }

  private nextUserFrame(leg: ConferenceLeg): Int16Array | null {
    const head = this.userBase + this.userFrames.length;
    // A leg whose clock stopped or stalled must not hold the list open for ever.
    if (head - this.position[leg] > MAX_USER_LAG_FRAMES) this.position[leg] = head;
    if (this.position[leg] === head) {
      this.userFrames.push(this.options.userSource());
    }
    const frame = this.userFrames[this.position[leg] - this.userBase] ?? null;
    this.position[leg]++;
    const oldest = Math.max(
      Math.min(this.position.first, this.position.second),
      this.userBase + this.userFrames.length - MAX_USER_LAG_FRAMES,
    );
    while (this.userBase < oldest) {
      this.userFrames.shift();
      this.userBase++;
    }
    return frame;
  }

  private playToUser(): void {
    const first = this.forUser.first.shift() ?? null;
    const second = this.forUser.second.shift() ?? null;
    if (first || second) this.options.onUserAudio(mixFrames([first, second]));
  }
}

function other(leg: ConferenceLeg): ConferenceLeg {
  return leg === 'first' ? 'second' : 'first';
}

function enqueue(queue: Int16Array[], frame: Int16Array): void {
  queue.push(frame);
  while (queue.length > MAX_QUEUED_FRAMES) queue.shift();
}
