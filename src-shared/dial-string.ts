/**
 * Dial strings as voip.ms expects them: spaces, dashes, dots and parentheses dropped; a leading
 * `+` written in voip.ms's international form (`+1…` is North America, dialled `1…`; any other
 * country code `CC` is dialled `011CC…`); a 10-digit North-American number prefixed with 1;
 * the `(0)` of `+44 (0)20…`, a trunk prefix dialled only from inside that country, dropped;
 * `011`/`00` international prefixes and star codes (`*97` voicemail) pass through.
 */
export function normalizeDialString(input: string): string {
  const trimmed = input.trim();
  if (trimmed.startsWith('*')) return trimmed.replace(/[^0-9*#]/g, '');
  const international = trimmed.startsWith('+');
  const digits = (international ? trimmed.replace(/\(0\)/g, '') : trimmed).replace(/[^0-9*#]/g, '');
  if (international) {
    if (digits === '') return '';
    return digits.startsWith('1') ? digits : `011${digits}`;
  }
  if (/^[2-9]\d{2}[2-9]\d{6}$/.test(digits)) return `1${digits}`;
  return digits;
}

/**
 * What a call to a typed or stored number dials: the number as voip.ms expects it, or a SIP user
 * name (`alice`, `123456_bob`, a caller's user part in History) as written, since keeping only
 * its digits would call someone else.
 */
export function dialTargetOf(input: string): string {
  const trimmed = input.trim();
  return /[A-Za-z_]/.test(trimmed) ? trimmed : normalizeDialString(trimmed);
}

/**
 * A caller who withheld their number: providers put a word in its place (voip.ms and most SIP
 * providers `anonymous`, RFC 3323; others `restricted`, `private`, `unavailable`, `unknown`), or
 * nothing at all. Calling that "number" back would dial a stranger's SIP user or nobody.
 */
export function isWithheldNumber(number: string): boolean {
  const user =
    number
      .trim()
      .replace(/^sips?:/i, '')
      .split('@')[0] ?? '';
  return user === '' || /^(?:anonymous|restricted|private|unavailable|unknown)$/i.test(user);
}
