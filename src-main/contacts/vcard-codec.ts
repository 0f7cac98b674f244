/**
 * vCard (RFC 6350 4.0, RFC 2426 3.0, and 2.1 as phones and Outlook export it) to and from the
 * address book's contacts, through ical.js. A card gives its name (FN, else N, else ORG) and its
 * phone numbers (TEL, labelled from TYPE or from an Apple `itemN.X-ABLabel`); the rest of a card
 * (addresses, e-mail, notes) is not a softphone's and is left out.
 */
import ICAL from 'ical.js';
import type { Contact, NumberLabel } from '../../src-shared/contacts.js';
import type { CandidateContact } from './candidate-contact.js';
import { vcardCardsOf } from './vcard-cards.js';

/** A TYPE (or Apple label) word to the label the book shows; the first rule that fits wins. */
const LABEL_RULES: ReadonlyArray<[RegExp, NumberLabel]> = [
  [/fax/i, 'fax'],
  [/cell|mobile|iphone|car|pager/i, 'mobile'],
  [/work|business|company/i, 'work'],
  [/home/i, 'home'],
  [/main/i, 'main'],
];

export function labelOf(words: readonly string[]): NumberLabel {
  const text = words.join(' ');
  return LABEL_RULES.find(([pattern]) => pattern.test(text))?.[1] ?? 'other';
}

/** Apple writes its standard labels as `_$!<Mobile>!$_`; a custom label is the text itself. */
function appleLabelWords(label: string): string[] {
  const standard = /^_\$!<(.*)>!\$_$/.exec(label.trim());
  return [standard?.[1] ?? label.trim()];
}

const FAVOURITE_CATEGORY = /^(favou?rites?|starred)$/i;

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).join(' ');
  return '';
}

/** The name a card shows: FN, else "Given Family" from N, else the organisation. */
function nameOf(card: ICAL.Component): string {
  const formatted = textOf(card.getFirstPropertyValue('fn')).trim();
  if (formatted) return formatted;
  const structured = card.getFirstPropertyValue('n');
  if (Array.isArray(structured)) {
    const [family, given, additional, prefix, suffix] = structured.map((part) =>
      textOf(part).trim(),
    );
    const name = [prefix, given, additional, family, suffix].filter(Boolean).join(' ');
    if (name) return name;
  }
  return textOf(card.getFirstPropertyValue('org')).split(';')[0]?.trim() ?? '';
}

/** The `item1` of `item1.TEL`: ical.js keeps it as a parameter. */
function groupOf(property: ICAL.Property): string | undefined {
  const group = property.getParameter('group');
  return typeof group === 'string' ? group.toLowerCase() : undefined;
}

function typesOf(property: ICAL.Property): string[] {
  const type = property.getParameter('type');
  const words = Array.isArray(type) ? type : type ? [type] : [];
  return words.flatMap((word) => String(word).replace(/"/g, '').split(','));
}

/** A TEL value as a number: the `tel:` URI form (4.0) loses its scheme and parameters. */
function telNumberOf(value: string): string {
  const trimmed = value.trim();
  return /^tel:/i.test(trimmed) ? (trimmed.slice(4).split(';')[0] ?? '') : trimmed;
}

/** One card's text as a contact to be checked; throws when ical.js cannot parse it. */
function candidateOfCard(text: string): CandidateContact {
  const card = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const appleLabels = new Map<string, string[]>();
  for (const property of card.getAllProperties('x-ablabel')) {
    const group = groupOf(property);
    if (group) appleLabels.set(group, appleLabelWords(textOf(property.getFirstValue())));
  }
  const numbers = card.getAllProperties('tel').map((property) => {
    const group = groupOf(property);
    const words = (group && appleLabels.get(group)) || typesOf(property);
    return { number: telNumberOf(textOf(property.getFirstValue())), label: labelOf(words) };
  });
  const categories = card
    .getAllProperties('categories')
    .flatMap((property) => property.getValues().map(textOf));
  return {
    name: nameOf(card),
    numbers,
    favourite: categories.some((category) => FAVOURITE_CATEGORY.test(category.trim())),
  };
}

export interface ParsedCard {
  position: number;
  candidate: CandidateContact | null;
  problem: string | null;
}

/** Every card in a vCard file (at most `limit`), each read on its own: one bad card is one skip. */
export function cardsOfVcard(text: string, limit: number): { cards: ParsedCard[]; more: boolean } {
  const { cards, more } = vcardCardsOf(text, limit);
  return {
    more,
    cards: cards.map(({ position, text: cardText, problem }) => {
      if (problem) return { position, candidate: null, problem };
      try {
        return { position, candidate: candidateOfCard(cardText), problem: null };
      } catch {
        return { position, candidate: null, problem: 'the card is not valid vCard' };
      }
    }),
  };
}

const TYPE_OF_LABEL: Record<NumberLabel, string[]> = {
  mobile: ['cell', 'voice'],
  work: ['work', 'voice'],
  home: ['home', 'voice'],
  main: ['main', 'voice'],
  fax: ['fax'],
  other: ['voice'],
};

/**
 * The book as vCard 3.0, the version every address book imports (Outlook and older phones read
 * no 4.0); a favourite carries the category `Favorites`.
 */
export function vcardOfContacts(contacts: readonly Contact[]): string {
  return contacts
    .map((contact) => {
      const card = new ICAL.Component(['vcard', [], []]);
      card.updatePropertyWithValue('version', '3.0');
      card.updatePropertyWithValue('fn', contact.name);
      card.addPropertyWithValue('n', [contact.name, '', '', '', '']);
      for (const { number, label } of contact.numbers) {
        const tel = card.addPropertyWithValue('tel', number);
        tel.setParameter('type', TYPE_OF_LABEL[label]);
      }
      if (contact.favourite) card.addPropertyWithValue('categories', 'Favorites');
      return card.toString();
    })
    .join('\r\n');
}
