/**
 * A recording's file name: `Call 2026-12-01 22-30-15 15145550100.wav`, the local date and time
 * the recording began and the other party's number, so the folder sorts by time and each file
 * says whom it was with. Only letters, digits, spaces and `+ - _ .` appear: nothing Windows or
 * macOS refuses or reads specially (`\ / : * ? " < > |`, control characters, a leading dot).
 */

/** Longest number kept in a name; SIP user parts can be long, and paths have limits. */
const MAX_NUMBER_CHARS = 40;

const twoDigits = (value: number) => String(value).padStart(2, '0');

/** The other party as a file name part: unsafe characters become `_`, at most 40 of them. */
export function fileNamePartOf(remote: string): string {
  const user = remote.replace(/^(sips?|tel):/i, '').replace(/@.*$/, '');
  const safe = user
    .replace(/[^A-Za-z0-9+\-_.]/g, '_')
    .replace(/^[.\s]+/, '')
    .slice(0, MAX_NUMBER_CHARS)
    .replace(/[.\s]+$/, '');
  return safe || 'unknown';
}

/**
 * The name for a recording begun at `at` with `remote`; `attempt` 2 and on add ` (2)` and so on,
 * for two recordings begun in the same second with the same number.
 */
export function recordingFileName(at: Date, remote: string, attempt = 1): string {
  const date = `${at.getFullYear()}-${twoDigits(at.getMonth() + 1)}-${twoDigits(at.getDate())}`;
  const time = `${twoDigits(at.getHours())}-${twoDigits(at.getMinutes())}-${twoDigits(at.getSeconds())}`;
  const suffix = attempt > 1 ? ` (${attempt})` : '';
  return `Call ${date} ${time} ${fileNamePartOf(remote)}${suffix}.wav`;
}
