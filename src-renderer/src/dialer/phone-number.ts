/**
 * Dial strings as voip.ms expects them: spaces, dashes, dots and parentheses dropped, a leading
 * `+` dropped, a 10-digit North-American number prefixed with 1; `011`/`00` international
 * prefixes and star codes (`*97` voicemail) pass through.
 */
export function normalizeDialString(input: string): string {
  const trimmed = input.trim();
  if (trimmed.startsWith('*')) return trimmed.replace(/[^0-9*#]/g, '');
  const digits = trimmed
    .replace(/^\+/, '')
    .replace(/[\s\-().]/g, '')
    .replace(/[^0-9*#]/g, '');
  if (/^[2-9]\d{2}[2-9]\d{6}$/.test(digits)) return `1${digits}`;
  return digits;
}
