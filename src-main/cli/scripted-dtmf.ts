import type { KeypadWay } from '../engine/dtmf-info.js';
import { toEngineError } from '../engine/engine-error.js';
import type { NatterEngine } from '../engine/natter-engine.js';
import type { CliOutput } from './cli-output.js';

/** The keypad digits go this long after the answer: voip.ms's DTMF test (4747) asks first. */
const DTMF_AFTER_MS = 1500;

/** What `call --dtmf` reports: the digits, the way they went, and a refusal if there was one. */
export interface DtmfReport {
  digits: string;
  /** RFC 4733 events, SIP INFO, or tones in the audio; null when the setting allowed none. */
  way: KeypadWay | null;
  sent: boolean;
  error?: { code: string; message: string };
}

const WAY_WORDS: Record<KeypadWay, string> = {
  rfc4733: 'RFC 4733 events',
  'sip-info': 'SIP INFO',
  inband: 'tones in the audio',
};

export const keypadWayWords = (way: KeypadWay | null) => (way ? WAY_WORDS[way] : 'none');

/**
 * `natter call --dtmf DIGITS`: sends the digits a moment after the answer, through the same
 * command the app's call keypad sends. `outcome` settles once they were sent or refused, or
 * when cancelled (the call ended first).
 */
export function scriptDtmf(
  engine: NatterEngine,
  callId: string,
  digits: string,
  out: CliOutput,
): { cancel(): void; outcome: Promise<DtmfReport> } {
  let cancel = () => undefined as void;
  const outcome = new Promise<DtmfReport>((resolve) => {
    const timer = setTimeout(() => {
      cancel = () => undefined;
      const way = engine.keypadWayFor(callId);
      engine.invoke('sendDtmf', { callId, digits }).then(
        () => {
          out.progress(`Sent keypad digits ${digits} as ${keypadWayWords(way)}`);
          resolve({ digits, way, sent: true });
        },
        (error: unknown) => resolve({ digits, way, sent: false, error: toEngineError(error) }),
      );
    }, DTMF_AFTER_MS);
    cancel = () => {
      clearTimeout(timer);
      resolve({
        digits,
        way: engine.keypadWayFor(callId),
        sent: false,
        error: { code: 'dtmf', message: 'the call ended before the keypad digits were sent' },
      });
    };
  });
  return { cancel: () => cancel(), outcome };
}
