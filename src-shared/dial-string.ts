/**
 * Dial strings as voip.ms expects them: spaces, dashes, dots and parentheses dropped; a leading
 * `+` written in voip.ms's international form (`+1…` is North America, dialled `1…`; any other
 * country code `CC` is dialled `011CC…`); a 10-digit North-American number prefixed with 1;
 * the `(0)` of `+44 (0)20…`, a trunk prefix dialled only from inside that country, dropped;
 * `011`/`00` international prefixes and star codes (`*97` voicemail) pass through; a vanity
 * number (`1-800-FLOWERS`) is dialled as its digits.
 */
export function normalizeDialString(input: string): string {
  const trimmed = input.trim();
  const vanity = vanityNumberDigits(trimmed);
  if (vanity) return vanity;
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

/** The letters of a phone's keypad (ITU-T E.161), as North-American vanity numbers use them. */
const KEYPAD_LETTERS: Record<string, string> = Object.fromEntries(
  ['ABC', 'DEF', 'GHI', 'JKL', 'MNO', 'PQRS', 'TUV', 'WXYZ'].flatMap((letters, index) =>
    [...letters].map((letter) => [letter, String(index + 2)]),
  ),
);

/**
 * A North-American vanity number (`1-800-FLOWERS`, `(888) GOT-JUNK`) as voip.ms dials it
 * (`18003569377`), or null when the input is not one: it starts with an area code (after an
 * optional `1` or `+1`), has at least seven keypad characters after it, letters among them, and
 * nothing but separators besides. Letters past the ten digits of the number are dropped, as the
 * network ignores them (`1-800-MATTRESS` is `1-800-628-8737`). A SIP user name keeps its letters:
 * it has no area code in front, or an underscore (`123456_bob`).
 */
export function vanityNumberDigits(input: string): string | null {
  const compact = input.trim().replace(/[\s().-]/g, '');
  const match = /^(?:\+?1)?([2-9]\d{2}[0-9A-Za-z]{7,})$/.exec(compact);
  const national = match?.[1];
  if (!national || !/[A-Za-z]/.test(national)) return null;
  const digits = [...national.slice(0, 10).toUpperCase()]
    .map((char) => KEYPAD_LETTERS[char] ?? char)
    .join('');
  return `1${digits}`;
}

/**
 * What a call to a typed or stored number dials: the number as voip.ms expects it, or a SIP user
 * name (`alice`, `123456_bob`, a caller's user part in History) as written, since keeping only
 * its digits would call someone else.
 */
export function dialTargetOf(input: string): string {
  const trimmed = input.trim();
  const vanity = vanityNumberDigits(trimmed);
  if (vanity) return vanity;
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
