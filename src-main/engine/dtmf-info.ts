/**
 * Keypad digits as SIP INFO requests, for a far end that took no RFC 4733 telephone-events or a
 * provider set to read digits that way (Asterisk's `dtmf_mode=info`, voip.ms's "SIP INFO" DTMF
 * mode): one INFO per digit in the `application/dtmf-relay` form (`Signal=5`, `Duration=100`)
 * that Asterisk, FreeSWITCH and desk phones send and read; from the far end also
 * `application/dtmf` (a bare digit). Neither body has an RFC or a parser in any library we use,
 * and each is two short lines, so they are written and read here.
 *
 * An INFO of any other kind (a video picture update, an Info Package we never announced) is
 * answered 415 Unsupported Media Type with the kinds we take (RFC 3261 §21.4.13), not 200: a 200
 * would tell the sender its request took effect.
 */
import type { Info, Session } from 'sip.js';
import { SessionState } from 'sip.js';
import { digitToEvent, eventToDigit } from '../media/dtmf.js';
import type { CallKeypad, DtmfMethod } from '../../src-shared/domain.js';
import { EngineFailure } from './engine-error.js';

export const DTMF_RELAY_TYPE = 'application/dtmf-relay';
const DTMF_PLAIN_TYPE = 'application/dtmf';

/** How a call's digits go out: RFC 4733 events, SIP INFO, or tones in the audio. */
export type KeypadWay = Exclude<CallKeypad, 'none'>;

/**
 * The way the setting gives for a call that did (or did not) negotiate telephone-event; null
 * when it allows none (events only, on a call without them).
 */
export function keypadWayOf(
  method: DtmfMethod,
  telephoneEvents: boolean | undefined,
): KeypadWay | null {
  if (method === 'sip-info' || method === 'inband') return method;
  if (telephoneEvents === true) return 'rfc4733';
  return method === 'auto' ? 'sip-info' : null;
}

/** Tone length said in each INFO, and the pause after it: as the RFC 4733 sender's. */
const TONE_MS = 100;
const GAP_MS = 60;

export function dtmfRelayBody(digit: string, durationMs = TONE_MS): string {
  return `Signal=${digit}\r\nDuration=${durationMs}\r\n`;
}

/**
 * The digit an INFO carries, or null when it carries none. `Signal=` may name the digit (`5`,
 * `*`, `#`, `A`–`D`) or, as some gateways write it, its RFC 4733 event code (`10` for `*`,
 * `11` for `#`, `12`–`15` for A–D).
 */
export function digitOfInfo(contentType: string | undefined, body: string): string | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === DTMF_PLAIN_TYPE) return digitOf(body.trim());
  if (type !== DTMF_RELAY_TYPE) return null;
  const signal = /^[ \t]*signal[ \t]*=[ \t]*(\S+)[ \t]*\r?$/im.exec(body);
  return signal?.[1] ? digitOf(signal[1]) : null;
}

function digitOf(text: string): string | null {
  if (/^1[0-5]$/.test(text)) return eventToDigit(Number(text));
  return digitToEvent(text) === null ? null : text.toUpperCase();
}

export interface InfoDtmfEvents {
  /** A digit the far end sent by INFO. */
  onDigit(digit: string): void;
}

/** One call's keypad digits by INFO: those it sends, one at a time, and those it receives. */
export class InfoDtmf {
  /** Digits sent by one request wait for those of the requests before. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly session: Session,
    events: InfoDtmfEvents,
    private readonly timing = { toneMs: TONE_MS, gapMs: GAP_MS },
  ) {
    const delegate = session.delegate;
    session.delegate = {
      ...delegate,
      onInfo: (info) => answerInfo(info, events),
    };
  }

  /**
   * Sends each keypad digit of `digits` in an INFO of its own, the next once the last was
   * answered and its tone has had its time. Resolves when all were accepted; rejects with the
   * far end's refusal, and sends none of the digits after it.
   */
  send(digits: string): Promise<void> {
    const keys = [...digits].filter((digit) => digitToEvent(digit) !== null);
    if (keys.length === 0) {
      return Promise.reject(new EngineFailure('dtmf', 'no keypad digit to send'));
    }
    const run = this.queue.then(async () => {
      for (const key of keys) await this.sendOne(key.toUpperCase());
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendOne(digit: string): Promise<void> {
    if (this.session.state !== SessionState.Established) {
      throw new EngineFailure('bad-state', 'keypad digits go only to a connected call');
    }
    const started = Date.now();
    let stopWatching = (): void => undefined;
    await new Promise<void>((resolve, reject) => {
      // A call that ends meanwhile leaves its INFO unanswered: the digits stop there, not at
      // the transaction's timeout half a minute later.
      const onState = (state: SessionState) => {
        if (state === SessionState.Terminated) {
          reject(new EngineFailure('bad-state', 'the call ended before its keypad digits went'));
        }
      };
      this.session.stateChange.addListener(onState);
      stopWatching = () => this.session.stateChange.removeListener(onState);
      const refused = (status: string) =>
        reject(
          new EngineFailure('dtmf', `the far end refused keypad digits by SIP INFO (${status})`),
        );
      this.session
        .info({
          requestOptions: {
            body: {
              contentDisposition: 'render',
              contentType: DTMF_RELAY_TYPE,
              content: dtmfRelayBody(digit, this.timing.toneMs),
            },
          },
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: ({ message }) => refused(`${message.statusCode} ${message.reasonPhrase}`),
          },
        })
        .catch((error: unknown) => refused(error instanceof Error ? error.message : String(error)));
    }).finally(() => stopWatching());
    const rest = this.timing.toneMs + this.timing.gapMs - (Date.now() - started);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }
}

function answerInfo(info: Info, events: InfoDtmfEvents): void {
  const message = info.request;
  const body = message.body ?? '';
  const digit = digitOfInfo(message.getHeader('Content-Type'), body);
  if (digit !== null) {
    void info.accept().catch(() => undefined);
    events.onDigit(digit);
    return;
  }
  // An INFO with no body at all asks nothing of us (some peers send one to probe the dialog).
  if (body.trim() === '' && !message.getHeader('Content-Type')) {
    void info.accept().catch(() => undefined);
    return;
  }
  void info
    .reject({
      statusCode: 415,
      reasonPhrase: 'Unsupported Media Type',
      extraHeaders: [`Accept: ${DTMF_RELAY_TYPE}, ${DTMF_PLAIN_TYPE}`],
    })
    .catch(() => undefined);
}
