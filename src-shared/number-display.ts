import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** Area code and exchange as the North American Numbering Plan allows them (NPA-NXX-XXXX). */
const NORTH_AMERICAN = /^1?([2-9]\d{2}[2-9]\d{6})$/;

/**
 * A number in E.164 form (`+15145550100`) when the string is one in any of the forms a voip.ms
 * phone meets (caller IDs of 10 or 11 digits, `011`/`00` international dialling, `+CC…` from a
 * contact card), or null when it is something else: an extension, a short code, a star code, a
 * SIP user name, a withheld caller's word.
 */
function internationalFormOf(number: string): string | null {
  if (/[^\d\s().+-]/.test(number)) return null;
  const compact = number.replace(/[\s().-]/g, '');
  if (/^\+\d+$/.test(compact)) return compact;
  if (!/^\d+$/.test(compact)) return null;
  const northAmerican = NORTH_AMERICAN.exec(compact)?.[1];
  if (northAmerican) return `+1${northAmerican}`;
  const abroad = /^(?:011|00)(\d+)$/.exec(compact)?.[1];
  return abroad ? `+${abroad}` : null;
}

/**
 * A phone number as a person reads it: North-American numbers as their own users write them
 * (`(514) 555-0100`, whether the caller ID came with its 1 or not), numbers abroad in their
 * country's international grouping (`+44 20 7946 0958`), and anything that is not a phone
 * number (`4443`, `*97`, `123456_bob`, `anonymous`) as it came. Only for the eye: what is
 * dialled, stored and searched stays the number itself. The grouping of the world's numbers is
 * libphonenumber's metadata, which no rule of our own could keep up with.
 */
export function displayNumberOf(number: string): string {
  const trimmed = number.trim();
  const international = internationalFormOf(trimmed);
  if (!international) return trimmed;
  const parsed = parsePhoneNumberFromString(international);
  if (!parsed?.isPossible()) return trimmed;
  return parsed.countryCallingCode === '1' ? parsed.formatNational() : parsed.formatInternational();
}

/**
 * Who the other party is, in the words a screen leads with: their name (a contact's, or the one
 * the caller presented, which providers often fill with the number itself), else their number.
 */
export function partyNameOf(name: string | null | undefined, number: string): string {
  return displayNumberOf(name || number);
}

/**
 * The number to show under a party's name, or null where it would only repeat the name (a caller
 * whose presented name is their own number).
 */
export function numberBesideName(name: string | null | undefined, number: string): string | null {
  if (!name) return null;
  const shown = displayNumberOf(number);
  return shown === displayNumberOf(name) ? null : shown;
}

/** The party in one line, for a notification or a tooltip: `Jane Doe · (514) 555-0101`. */
export function partyLine(name: string | null | undefined, number: string): string {
  const beside = numberBesideName(name, number);
  const party = partyNameOf(name, number);
  return beside ? `${party} · ${beside}` : party;
}
