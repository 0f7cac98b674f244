/**
 * Structure-aware mutation: a target builds valid messages from their fields, and these
 * arbitraries damage them the way hostile or broken peers do (a flipped bit inside a valid frame,
 * a length that lies, truncation, a duplicated or huge field, garbage appended). Every mutation is
 * a plain value fast-check generates and shrinks, so a failure replays from its seed and path.
 */
import fc from 'fast-check';

/** The most a UDP datagram over IPv4 carries: nothing longer arrives on a socket. */
export const MAX_UDP_PAYLOAD = 65_507;

/** Values that break length arithmetic: zero, one off, the top of 8 and 16 bits. */
const EDGE_WORDS = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];

type ByteMutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'word'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate'; at: number; length: number; times: number }
  | { kind: 'append'; bytes: Uint8Array };

const position = fc.nat({ max: 0xffff });

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, value: fc.nat({ max: 255 }) }),
  fc.record({
    kind: fc.constant('word' as const),
    at: position,
    value: fc.oneof(fc.constantFrom(...EDGE_WORDS), fc.nat({ max: 0xffff })),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: position,
    length: fc.integer({ min: 1, max: 64 }),
    times: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 32 }) }),
);

function applyByteMutation(input: Uint8Array, mutation: ByteMutation): Uint8Array {
  const bytes = Buffer.from(input);
  const at = (value: number, room = bytes.length): number => (room === 0 ? 0 : value % room);
  switch (mutation.kind) {
    case 'flip':
      if (bytes.length > 0) bytes[at(mutation.at)]! ^= 1 << mutation.bit;
      return bytes;
    case 'set':
      if (bytes.length > 0) bytes[at(mutation.at)] = mutation.value;
      return bytes;
    case 'word': {
      // Length fields sit on 16-bit boundaries in STUN, TURN, RTP and RTCP.
      if (bytes.length < 2) return bytes;
      const offset = at(mutation.at, bytes.length - 1) & ~1;
      bytes.writeUInt16BE(mutation.value, offset);
      return bytes;
    }
    case 'truncate':
      return bytes.subarray(0, at(mutation.at, bytes.length + 1));
    case 'insert': {
      const offset = at(mutation.at, bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, offset), mutation.bytes, bytes.subarray(offset)]);
    }
    case 'duplicate': {
      const offset = at(mutation.at, bytes.length + 1);
      const slice = bytes.subarray(offset, offset + mutation.length);
      const copies = Array.from({ length: mutation.times }, () => slice);
      return Buffer.concat([bytes.subarray(0, offset), ...copies, bytes.subarray(offset)]);
    }
    case 'append':
      return Buffer.concat([bytes, mutation.bytes]);
  }
}

/**
 * Messages from `valid`, mostly damaged by up to four byte mutations; one in five left intact,
 * so the parser's success paths stay covered too.
 */
export function mutatedBytes(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.oneof(
        { weight: 1, arbitrary: fc.constant([] as ByteMutation[]) },
        { weight: 4, arbitrary: fc.array(byteMutation, { minLength: 1, maxLength: 4 }) },
      ),
    )
    .map(([bytes, mutations]) =>
      mutations.reduce(applyByteMutation, Uint8Array.from(bytes)).subarray(0, MAX_UDP_PAYLOAD),
    );
}

/** Hostile lines and fragments for text protocols (SIP, SDP). */
const HOSTILE_FRAGMENTS = [
  '',
  ' ',
  '\t',
  '\0',
  '\r',
  '\n',
  ':',
  ';',
  ',',
  '"',
  '<',
  '>',
  '=',
  '%00',
  '%',
  '\\',
  '\u00ff',
  '\ud800',
  '\u2028',
  '🙂',
  '-1',
  '4294967296',
  '99999999999999999999',
  'NaN',
  '__proto__',
  'constructor',
  '0.0.0.0',
  '::1',
  '[::1]',
];

const hostileText = fc.oneof(
  fc.constantFrom(...HOSTILE_FRAGMENTS),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc
    .tuple(
      fc.constantFrom('a', '9', ' ', ';', ',', '%41', 'x='),
      fc.integer({ min: 100, max: 2000 }),
    )
    .map(([unit, times]) => unit.repeat(times)),
);

type LineMutation =
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number; times: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'insert'; at: number; line: string }
  | { kind: 'splice'; at: number; column: number; text: string }
  | { kind: 'cut'; at: number; column: number }
  | { kind: 'fold'; at: number; column: number }
  | { kind: 'newline'; style: '\n' | '\r' | '\r\r\n' };

const lineMutation: fc.Arbitrary<LineMutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: position }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: position,
    times: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) },
      { weight: 1, arbitrary: fc.integer({ min: 20, max: 200 }) },
    ),
  }),
  fc.record({ kind: fc.constant('swap' as const), at: position, with: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, line: hostileText }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: position,
    column: position,
    text: hostileText,
  }),
  fc.record({ kind: fc.constant('cut' as const), at: position, column: position }),
  fc.record({ kind: fc.constant('fold' as const), at: position, column: position }),
  fc.record({
    kind: fc.constant('newline' as const),
    style: fc.constantFrom('\n' as const, '\r' as const, '\r\r\n' as const),
  }),
);

function applyLineMutation(lines: string[], mutation: LineMutation): string[] {
  const next = [...lines];
  const index = (value: number): number => (next.length === 0 ? 0 : value % next.length);
  const line = (value: number): string => next[index(value)] ?? '';
  switch (mutation.kind) {
    case 'delete':
      next.splice(index(mutation.at), 1);
      return next;
    case 'duplicate':
      next.splice(
        index(mutation.at),
        0,
        ...Array.from({ length: mutation.times }, () => line(mutation.at)),
      );
      return next;
    case 'swap': {
      const a = index(mutation.at);
      const b = index(mutation.with);
      [next[a], next[b]] = [line(b), line(a)];
      return next;
    }
    case 'insert':
      next.splice(index(mutation.at), 0, mutation.line);
      return next;
    case 'splice': {
      const text = line(mutation.at);
      const column = mutation.column % (text.length + 1);
      next[index(mutation.at)] = text.slice(0, column) + mutation.text + text.slice(column);
      return next;
    }
    case 'cut': {
      const text = line(mutation.at);
      next[index(mutation.at)] = text.slice(0, mutation.column % (text.length + 1));
      return next;
    }
    case 'fold': {
      // RFC 3261 §7.3.1 header folding: a line continued by CRLF and whitespace.
      const text = line(mutation.at);
      const column = mutation.column % (text.length + 1);
      next[index(mutation.at)] = `${text.slice(0, column)}\r\n ${text.slice(column)}`;
      return next;
    }
    case 'newline':
      return next.map((value) => value.replaceAll('\r\n', mutation.style));
  }
}

/**
 * Text messages from `valid` (lines joined by `eol`), damaged line by line: lines deleted,
 * repeated hundreds of times, swapped, folded, cut short, or spliced with hostile fragments.
 */
export function mutatedText(
  valid: fc.Arbitrary<string>,
  eol = '\r\n',
  maxLength = MAX_UDP_PAYLOAD,
): fc.Arbitrary<string> {
  return fc
    .tuple(
      valid,
      fc.oneof(
        { weight: 1, arbitrary: fc.constant([] as LineMutation[]) },
        { weight: 4, arbitrary: fc.array(lineMutation, { minLength: 1, maxLength: 5 }) },
      ),
    )
    .map(([text, mutations]) =>
      mutations.reduce(applyLineMutation, text.split(eol)).join(eol).slice(0, maxLength),
    );
}
