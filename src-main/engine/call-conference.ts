import { ConferenceMixer, type ConferenceLeg } from '../media/conference-mixer.js';
import type { AudioSource } from '../media/rtp-session.js';
import type { CallRecord } from './call-record.js';

/** What the conference needs of a call the engine tracks. */
export interface ConferenceCall {
  record: CallRecord;
  media: { setMuted(muted: boolean): void } | null;
}

/**
 * Two calls merged into a local three-way conference, and its mixer. The first call carries the
 * user's microphone and speaker; the second's audio is mixed into both directions. Joining and
 * leaving set the calls' records (their CallInfo says they are legs) and move muting from the
 * calls' own media, which would silence the other party too, to the mixer's share of the user.
 */
export class CallConference<Call extends ConferenceCall> {
  readonly mixer: ConferenceMixer;

  constructor(
    readonly first: Call,
    readonly second: Call,
    audio: { userSource: AudioSource; onUserAudio: (frame: Int16Array) => void },
  ) {
    this.mixer = new ConferenceMixer(audio);
  }

  legOf(call: Call): ConferenceLeg {
    return call === this.first ? 'first' : 'second';
  }

  otherThan(call: Call): Call {
    return call === this.first ? this.second : this.first;
  }

  join(): void {
    const muted = this.first.record.muted || this.second.record.muted;
    this.mixer.muted = muted;
    for (const call of [this.first, this.second]) {
      call.record.conference = {
        withCallId: this.otherThan(call).record.id,
        carriesUserAudio: call === this.first,
      };
      call.record.muted = muted;
      call.media?.setMuted(false);
    }
  }

  /** The calls go back to their own audio, muted as the conference was. */
  leave(): void {
    for (const call of [this.first, this.second]) {
      call.record.conference = null;
      call.media?.setMuted(call.record.muted);
    }
  }

  setMuted(muted: boolean): void {
    this.mixer.muted = muted;
    this.first.record.muted = muted;
    this.second.record.muted = muted;
  }
}
