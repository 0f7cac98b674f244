/**
 * Why a call ended, in the few words the ended-call screen shows. The call screen reads them
 * only through {@link endReasonWords}; the words themselves are shared with the engine's side
 * (src-shared/call-end-words.ts), so the screen and the history never disagree.
 */
import {
  callEndWords,
  type CallEndWords,
  type EndedCall,
} from '../../../src-shared/call-end-words.js';

export type { EndedCall };

/** The end words of a call ("Busy", "Number not found", "They hung up"…), null while it lasts. */
export function endReasonWords(call: EndedCall): CallEndWords | null {
  return callEndWords(call);
}
