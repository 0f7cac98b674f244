/**
 * Splits a vCard file into its cards, each as text ical.js can parse. ical.js reads vCard 3.0
 * and 4.0 (RFC 2426, RFC 6350); phones and Outlook still export 2.1, whose lines it refuses:
 * parameters without a name (`TEL;CELL;PREF:`), values in QUOTED-PRINTABLE with a CHARSET and
 * soft line breaks (`=` at a line's end). Those lines are rewritten here into their 3.0 form
 * (`TEL;TYPE=CELL,PREF:`, the value decoded and escaped); the parsing itself stays ical.js's.
 * Pictures, sounds and keys are dropped before parsing: a softphone has no use for them and
 * they are most of an exported file's size.
 */

/** Properties an address book exports that are left out unread. */
const DROPPED_PROPERTIES = new Set(['PHOTO', 'LOGO', 'SOUND', 'KEY', 'AGENT']);
/** Most lines one card may have; a card longer than this is not a contact. */
const CARD_LINE_LIMIT = 2_000;

export interface RawCard {
  /** The card's position in the file, from 1. */
  position: number;
  /** The card as vCard 3.0/4.0 text, `BEGIN:VCARD` to `END:VCARD`. */
  text: string;
  /** Why the card cannot be read, when it is broken before parsing. */
  problem: string | null;
}

/** Joins folded lines (RFC 6350 3.2: a line break followed by a space or tab continues a line). */
function unfoldedLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const last = lines.length - 1;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last >= 0) {
      lines[last] += line.slice(1);
    } else {
      lines.push(line);
    }
  }
  return lines;
}

interface ContentLine {
  group: string | null;
  name: string;
  params: Array<{ name: string | null; value: string }>;
  value: string;
}

/** Reads `group.NAME;PARAM=VALUE;BARE:value`; null when the line has no name or no colon. */
function contentLineOf(line: string): ContentLine | null {
  let index = 0;
  let inQuotes = false;
  // The value starts at the first colon outside a quoted parameter value.
  for (; index < line.length; index++) {
    const char = line[index];
    if (char === '"') inQuotes = !inQuotes;
    else if (char === ':' && !inQuotes) break;
  }
  if (index >= line.length) return null;
  const head = line.slice(0, index);
  const value = line.slice(index + 1);
  const parts = head.match(/(?:[^;"]|"[^"]*")+/g) ?? [];
  const [qualifiedName, ...params] = parts;
  const nameMatch = /^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)$/.exec(qualifiedName?.trim() ?? '');
  if (!nameMatch?.[2]) return null;
  return {
    group: nameMatch[1] ?? null,
    name: nameMatch[2].toUpperCase(),
    params: params.map((param) => {
      const equals = param.indexOf('=');
      return equals < 0
        ? { name: null, value: param.trim() }
        : { name: param.slice(0, equals).trim().toUpperCase(), value: param.slice(equals + 1) };
    }),
    value,
  };
}

function decoderFor(charset: string) {
  try {
    return new TextDecoder(charset || 'utf-8');
  } catch {
    // An unknown CHARSET label: UTF-8 is what nearly every exporter meant.
    return new TextDecoder('utf-8');
  }
}

/** Decodes QUOTED-PRINTABLE (RFC 2045 6.7) bytes in the named character set. */
function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < value.length; index++) {
    const char = value[index] ?? '';
    const hex = value.slice(index + 1, index + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      for (const byte of Buffer.from(char, 'utf8')) bytes.push(byte);
    }
  }
  return decoderFor(charset).decode(Uint8Array.from(bytes));
}

/**
 * Escapes a decoded 2.1 value as 3.0 text. Structured values (N, ADR, ORG) keep their
 * semicolons as separators; everywhere else a semicolon is part of the text.
 */
function escapedText(value: string, structured: boolean): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
  return structured ? escaped : escaped.replace(/;/g, '\\;');
}

const STRUCTURED_PROPERTIES = new Set(['N', 'ADR', 'ORG']);

/** One content line in 3.0 form; null when the line is to be left out. */
function modernLine(line: ContentLine, legacy: boolean): string | null {
  if (DROPPED_PROPERTIES.has(line.name)) return null;
  let charset = 'utf-8';
  let quotedPrintable = false;
  const types: string[] = [];
  const kept: string[] = [];
  for (const param of line.params) {
    const value = param.value.trim();
    if (param.name === null || param.name === 'TYPE') {
      if (value.toUpperCase() === 'QUOTED-PRINTABLE') quotedPrintable = true;
      else if (value !== '') types.push(value);
    } else if (param.name === 'ENCODING') {
      if (value.toUpperCase() === 'QUOTED-PRINTABLE') quotedPrintable = true;
      else if (!/^(8BIT|7BIT)$/i.test(value)) return null;
    } else if (param.name === 'CHARSET') {
      charset = value.replace(/"/g, '');
    } else if (/^[A-Z0-9-]+$/.test(param.name)) {
      kept.push(`${param.name}=${param.value}`);
    }
  }
  let value = line.value;
  if (quotedPrintable) {
    value = escapedText(
      decodeQuotedPrintable(value, charset),
      STRUCTURED_PROPERTIES.has(line.name),
    );
  } else if (legacy) {
    // 2.1 text has no escapes of commas: a comma in a name is part of it.
    value = value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
    if (!STRUCTURED_PROPERTIES.has(line.name)) value = value.replace(/;/g, '\\;');
  }
  const typeParam = types.length > 0 ? [`TYPE=${types.join(',')}`] : [];
  const head = [`${line.group ? `${line.group}.` : ''}${line.name}`, ...typeParam, ...kept];
  return `${head.join(';')}:${value}`;
}

/**
 * Every card in the file, in order, each as text ical.js can parse; at most `limit` cards are
 * returned, and `more` says whether the file holds others after them.
 */
export function vcardCardsOf(text: string, limit: number): { cards: RawCard[]; more: boolean } {
  const lines = unfoldedLines(text.replace(/^\uFEFF/, ''));
  const cards: RawCard[] = [];
  let current: { lines: ContentLine[]; tooLong: boolean } | null = null;
  let skipBase64Body = false;
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index] ?? '';
    // A 2.1 picture's base64 may go on over unindented lines until a blank one.
    if (skipBase64Body) {
      if (line.trim() === '' || /^[A-Za-z0-9-.]+[;:]/.test(line)) skipBase64Body = false;
      if (line.trim() === '') continue;
    }
    if (line.trim() === '') continue;
    const upper = line.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      if (current) continue;
      if (cards.length >= limit) return { cards, more: true };
      current = { lines: [], tooLong: false };
      continue;
    }
    if (upper === 'END:VCARD') {
      if (!current) continue;
      cards.push(cardOf(cards.length + 1, current.lines, current.tooLong));
      current = null;
      continue;
    }
    if (!current) continue;
    // A QUOTED-PRINTABLE value ending in `=` goes on on the next line (a soft line break).
    if (/QUOTED-PRINTABLE/i.test(line.split(':')[0] ?? '')) {
      while (line.endsWith('=') && index + 1 < lines.length) {
        line = line.slice(0, -1) + (lines[++index] ?? '');
      }
    }
    const content = contentLineOf(line);
    if (!content) continue;
    if (DROPPED_PROPERTIES.has(content.name)) {
      skipBase64Body = true;
      continue;
    }
    if (current.lines.length >= CARD_LINE_LIMIT) current.tooLong = true;
    else current.lines.push(content);
  }
  if (current) {
    cards.push({
      position: cards.length + 1,
      text: '',
      problem: 'the file ends inside this card (no END:VCARD)',
    });
  }
  return { cards, more: false };
}

function cardOf(position: number, lines: ContentLine[], tooLong: boolean): RawCard {
  if (tooLong) return { position, text: '', problem: 'the card is too long to be a contact' };
  const version = lines.find((line) => line.name === 'VERSION')?.value.trim() ?? '';
  const legacy = version === '' || version.startsWith('2');
  const body = lines
    .filter((line) => line.name !== 'VERSION' && line.name !== 'BEGIN' && line.name !== 'END')
    .map((line) => modernLine(line, legacy))
    .filter((line): line is string => line !== null);
  const modernVersion = version === '4.0' ? '4.0' : '3.0';
  const text = ['BEGIN:VCARD', `VERSION:${modernVersion}`, ...body, 'END:VCARD', ''].join('\r\n');
  return { position, text, problem: null };
}
