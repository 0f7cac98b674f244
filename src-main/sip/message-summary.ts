/**
 * A reader for RFC 3842 `application/simple-message-summary` bodies, the voicemail count a
 * provider's NOTIFY carries. No maintained library on the npm registry reads this format (the
 * SIP stacks there leave NOTIFY bodies to the application), and its grammar is a handful of
 * lines, so it is read here: strictly, by the RFC's ABNF, within a bound on size, and a body that
 * breaks the grammar is refused whole rather than half-believed.
 */
import { trimBlanks } from './blanks.js';

/** What one message-summary says about the voice mailbox. */
export interface MessageSummary {
  /** `Messages-Waiting: yes` (new messages in some class). */
  waiting: boolean;
  /** The voice-message line's counts, or null when the body carries none. */
  voice: MessageCounts | null;
  /** The `Message-Account` URI, when given (Asterisk: `sip:*97@server`). */
  account: string | null;
}

export interface MessageCounts {
  newMessages: number;
  oldMessages: number;
  urgentNew: number;
  urgentOld: number;
}

export type MessageSummaryResult =
  { ok: true; summary: MessageSummary } | { ok: false; reason: string };

/** No mailbox summary needs more; the request guard lets 32 KiB through for calls. */
export const MAX_MESSAGE_SUMMARY_BYTES = 4096;
/** Counts above this are refused as nonsense rather than shown. */
export const MAX_MESSAGE_COUNT = 99_999;

/** RFC 3842 §5.2 message-context-class values. */
const CONTEXT_CLASSES = new Set([
  'voice-message',
  'fax-message',
  'pager-message',
  'multimedia-message',
  'text-message',
  'none',
]);

const COUNT = '(\\d{1,5})';
/** newmsgs SLASH oldmsgs [ LPAREN new-urgentmsgs SLASH old-urgentmsgs RPAREN ] (SWS around). */
const SUMMARY_VALUE = new RegExp(
  `^${COUNT}[ \\t]*/[ \\t]*${COUNT}(?:[ \\t]*\\([ \\t]*${COUNT}[ \\t]*/[ \\t]*${COUNT}[ \\t]*\\))?$`,
);
/** A name, its colon and the rest of the line, blanks and all (see trimBlanks). */
const NAME_VALUE = /^([A-Za-z][A-Za-z0-9-]{0,39})[ \t]*:([^]*)$/;

export function parseMessageSummary(body: string): MessageSummaryResult {
  if (body.length > MAX_MESSAGE_SUMMARY_BYTES) return refuse('the summary is too large');
  // Many servers end lines with LF alone; the grammar's CRLF is read as either.
  const lines = body.split(/\r?\n/);
  // The optional message headers (RFC 3842 §5.2 opt-msg-headers) follow an empty line and are
  // about single messages, which the phone does not show.
  const blank = lines.findIndex((line) => line === '');
  const summaryLines = blank === -1 ? lines : lines.slice(0, blank);
  const [statusLine, ...rest] = summaryLines;
  const status = NAME_VALUE.exec(statusLine ?? '');
  if (!status || status[1]?.toLowerCase() !== 'messages-waiting') {
    return refuse('the summary does not start with Messages-Waiting');
  }
  const flag = trimBlanks(status[2] ?? '').toLowerCase();
  if (flag !== 'yes' && flag !== 'no') return refuse('Messages-Waiting is neither yes nor no');
  let account: string | null = null;
  let voice: MessageCounts | null = null;
  const seen = new Set<string>();
  for (const [index, line] of rest.entries()) {
    const field = NAME_VALUE.exec(line);
    if (!field?.[1]) return refuse('a line of the summary is not "Name: value"');
    const name = field[1].toLowerCase();
    const value = trimBlanks(field[2] ?? '');
    if (seen.has(name)) return refuse(`${field[1]} appears twice`);
    seen.add(name);
    if (name === 'message-account') {
      // Only right after the status line (msg-account comes before the summary lines).
      if (index !== 0 || !/^[A-Za-z][A-Za-z0-9+.-]*:\S{1,256}$/.test(value)) {
        return refuse('Message-Account is misplaced or not a URI');
      }
      account = value;
      continue;
    }
    if (!CONTEXT_CLASSES.has(name)) return refuse(`${field[1]} is not a message class`);
    const counts = SUMMARY_VALUE.exec(value);
    if (!counts) return refuse(`${field[1]} does not read new/old (urgent new/urgent old)`);
    const [newMessages, oldMessages, urgentNew, urgentOld] = counts
      .slice(1)
      .map((digits) => (digits === undefined ? 0 : Number(digits)));
    const parsed = {
      newMessages: newMessages ?? 0,
      oldMessages: oldMessages ?? 0,
      urgentNew: urgentNew ?? 0,
      urgentOld: urgentOld ?? 0,
    };
    if (Object.values(parsed).some((count) => count > MAX_MESSAGE_COUNT)) {
      return refuse('a message count is out of range');
    }
    // RFC 3842 §5.2: the urgent messages are among the new and old ones.
    if (parsed.urgentNew > parsed.newMessages || parsed.urgentOld > parsed.oldMessages) {
      return refuse('more urgent messages than messages');
    }
    if (name === 'voice-message') voice = parsed;
  }
  return { ok: true, summary: { waiting: flag === 'yes', voice, account } };
}

function refuse(reason: string): MessageSummaryResult {
  return { ok: false, reason };
}
