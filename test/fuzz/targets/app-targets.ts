/**
 * What the app reads from disk and from the renderer: the settings and history files (their text
 * as a crashed writer, a disk error or a hand edit may leave it) and every IPC payload, sent as
 * the renderer would with hostile values, through main's router and the contract's schemas.
 */
import fc from 'fast-check';
import { createIpcRouter, type InvokeHandlers } from '../../../src-main/app/ipc-router.js';
import { historyFromText } from '../../../src-main/storage/call-history-store.js';
import { settingsFromText } from '../../../src-main/storage/settings-store.js';
import { HISTORY_LIMIT, historyEntrySchema } from '../../../src-shared/call-history.js';
import { INVOKE_NAMES, invokeSchemas, isInvokeName } from '../../../src-shared/ipc-contract.js';
import { DEFAULT_SETTINGS, settingsSchema } from '../../../src-shared/settings.js';
import { check, jsonCodec, mustNotThrow, textCodec, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';

/** JSON values a hand edit or a hostile file may hold, prototype keys included. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    '',
    -1,
    0,
    1e308,
    -0,
    2 ** 53,
    'x'.repeat(20_000),
    [],
    {},
    JSON.parse('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
    'montreal.voip.ms:99999',
    'sip:x;evil',
    '\u0000',
  ),
  fc.integer({ min: 100, max: 300 }).map((depth) => {
    let nested: unknown = 1;
    for (let level = 0; level < depth; level++) nested = [nested];
    return nested;
  }),
);

/** Files are read whole; past a few hundred kilobytes the fuzzer only measures JSON.parse. */
const FILE_LIMIT = 256 * 1024;

const validSettingsFile = fc
  .record({
    version: fc.constantFrom(1, 2, 3, '2', undefined),
    account: fc.constantFrom(null, { server: 'montreal.voip.ms', user: '123456_home' }),
    keepaliveSeconds: fc.constantFrom(null, 25, 15, 0),
    password: fc.constantFrom(undefined, 'c2VjcmV0', 'not base64!', ''),
  })
  .map(({ version, account, keepaliveSeconds, password }) => ({
    ...(version === undefined ? {} : { version }),
    settings: { ...DEFAULT_SETTINGS, account, keepaliveSeconds },
    ...(password === undefined ? {} : { password }),
  }));

const settingsFile = fc
  .tuple(
    validSettingsFile,
    fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...Object.keys(DEFAULT_SETTINGS)),
          fc.constantFrom('__proto__', 'constructor', 'unknownKey', 'password', 'turnPassword'),
        ),
        hostileJson,
        fc.boolean(),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([file, changes]) => {
    const settings: Record<string, unknown> = { ...file.settings };
    const top: Record<string, unknown> = { ...file };
    for (const [key, value, inSettings] of changes) {
      const target = inSettings ? settings : top;
      Object.defineProperty(target, key, { value, enumerable: true, writable: true });
    }
    return JSON.stringify(
      { ...top, settings: top.settings === file.settings ? settings : top.settings },
      null,
      2,
    );
  });

export const settingsFileTarget: FuzzTarget<string> = {
  name: 'settings-file',
  contract:
    'settingsFromText never throws: any text gives null (set aside) or settings that pass the ' +
    'schema, each invalid value at its default, with a problem message of bounded length',
  modules: ['src-main/storage/settings-store.ts', 'src-shared/settings.ts'],
  input: () => mutatedText(settingsFile, '\n', FILE_LIMIT),
  execute(text) {
    const loaded = mustNotThrow('settingsFromText', () => settingsFromText(text));
    if (!loaded) return;
    check(settingsSchema.safeParse(loaded.stored.settings).success, 'settings fail the schema');
    for (const secret of [loaded.stored.password, loaded.stored.turnPassword]) {
      check(secret === undefined || /^[A-Za-z0-9+/]+={0,2}$/.test(secret), 'a secret kept as is');
    }
    const message = loaded.problem?.message ?? '';
    check(message.length <= 400 + text.length, 'problem message unbounded');
    check(!message.includes('c2VjcmV0'), 'a stored secret appears in the problem message');
  },
  ...textCodec,
};

const validEntry = fc.record({
  id: fc.oneof(fc.uuid(), fc.constantFrom('c1', 'c1', '')),
  number: fc.constantFrom('4443', '+15145550100', ''),
  name: fc.constantFrom(null, 'Alice'),
  direction: fc.constantFrom('outgoing', 'incoming', 'sideways'),
  startedAt: fc.constantFrom('2026-12-01T10:00:00.000Z', 'yesterday', ''),
  answeredAt: fc.constantFrom(null, '2026-12-01T10:00:03.000Z', 'later'),
  endedAt: fc.constantFrom(null, '2026-12-01T10:01:03.000Z'),
  durationSeconds: fc.constantFrom(null, 60, -1, 1.5),
  outcome: fc.constantFrom(undefined, 'answered', 'missed', 'bogus'),
  result: fc.constantFrom('Call ended', ''),
  code: fc.constantFrom(null, 'busy', 'no-such-code'),
  sipStatus: fc.constantFrom(null, 486, 4.5),
});

const historyFile = fc
  .tuple(
    fc.oneof(
      fc.array(validEntry, { maxLength: 6 }),
      fc
        .tuple(validEntry, fc.integer({ min: 190, max: 260 }))
        .map(([entry, times]) =>
          Array.from({ length: times }, (_, index) => ({ ...entry, id: `c${index}` })),
        ),
    ),
    fc.array(
      fc.tuple(fc.nat(), fc.constantFrom(...Object.keys(historyEntrySchema.shape)), hostileJson),
      {
        maxLength: 3,
      },
    ),
  )
  .map(([entries, changes]) => {
    const copy: Array<Record<string, unknown>> = entries.map((entry) => ({ ...entry }));
    for (const [index, key, value] of changes) {
      const entry = copy[index % Math.max(1, copy.length)];
      if (entry) entry[key] = value;
    }
    return JSON.stringify(copy);
  });

export const historyFileTarget: FuzzTarget<string> = {
  name: 'history-file',
  contract:
    'historyFromText never throws: any text gives null (set aside) or at most HISTORY_LIMIT ' +
    'entries, each passing the schema, with distinct ids',
  modules: ['src-main/storage/call-history-store.ts', 'src-shared/call-history.ts'],
  input: () => mutatedText(historyFile, '},{', FILE_LIMIT),
  execute(text) {
    const read = mustNotThrow('historyFromText', () => historyFromText(text));
    if (!read) return;
    check(read.entries.length <= HISTORY_LIMIT, `${read.entries.length} entries kept`);
    const ids = new Set(read.entries.map((entry) => entry.id));
    check(ids.size === read.entries.length, 'two entries with one id');
    for (const entry of read.entries) {
      check(historyEntrySchema.safeParse(entry).success, 'an entry fails the schema');
    }
  },
  ...textCodec,
};

const TRUSTED = 'file:///opt/natter/renderer/index.html';

/** What structured clone lets a renderer send: JSON, and also Dates, Maps, typed arrays, BigInt. */
const cloneable: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileJson },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: false }) },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constant(new Map([['a', 1]])) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, undefined) },
);

interface IpcCall {
  channel: string;
  payload: unknown;
  trusted: boolean;
}

/** Payloads shaped like the channel's own (its keys), with hostile values in them. */
const ipcCall: fc.Arbitrary<IpcCall> = fc
  .record({
    channel: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...INVOKE_NAMES) },
      { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'eval', '') },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
    ),
    values: fc.array(fc.tuple(fc.nat(), cloneable), { maxLength: 4 }),
    extraKey: fc.option(fc.constantFrom('__proto__', 'hasPassword', 'extra', 'constructor')),
    whole: fc.option(cloneable, { freq: 6 }),
    trusted: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
  })
  .map(({ channel, values, extraKey, whole, trusted }) => {
    if (whole !== null) return { channel, payload: whole, trusted };
    const schema = isInvokeName(channel) ? invokeSchemas[channel].request : null;
    const keys = schema && 'shape' in schema ? Object.keys(schema.shape as object) : [];
    const payload: Record<string, unknown> = {};
    for (const [index, value] of values) {
      const key = keys[index % Math.max(1, keys.length)];
      if (key !== undefined) payload[key] = value;
    }
    if (extraKey) Object.defineProperty(payload, extraKey, { value: 1, enumerable: true });
    return { channel, payload, trusted };
  });

let handled = 0;
const handler = (request: unknown): Promise<unknown> => {
  handled++;
  return Promise.resolve(request);
};
const handlers = Object.fromEntries(
  INVOKE_NAMES.map((name) => [name, handler]),
) as unknown as InvokeHandlers;
const route = createIpcRouter({
  handlers,
  isTrustedSender: (url) => url === TRUSTED,
});

export const ipcTarget: FuzzTarget<IpcCall> = {
  name: 'ipc',
  contract:
    "main's IPC router never throws or rejects: a payload reaches its handler only if the " +
    "channel's zod schema accepts it (and what reaches it passes the schema again), and every " +
    'refusal is a { ok: false } result with a bounded message',
  modules: ['src-main/app/ipc-router.ts', 'src-shared/ipc-contract.ts'],
  async: true,
  input: () => ipcCall,
  async execute(call) {
    const before = handled;
    let result;
    try {
      result = await route(
        call.channel,
        call.payload,
        call.trusted ? TRUSTED : 'https://evil.example/',
      );
    } catch (error) {
      throw new Error(`the IPC router rejected: ${String(error)}`);
    }
    const served = handled - before;
    if (result.ok) {
      check(served === 1 && call.trusted, 'a result without the handler, or for a stranger');
      check(isInvokeName(call.channel), 'a result for an unknown channel');
      const again = invokeSchemas[call.channel].request.safeParse(result.value);
      check(again.success, 'the handler got a payload its schema refuses');
    } else {
      check(served === 0, 'a refusal after the handler ran');
      check(result.error.message.length <= 600, 'refusal message unbounded');
    }
  },
  ...jsonCodec,
  toJson: (call) => ({ ...call, payload: safeJson(call.payload) }),
};

function safeJson(value: unknown): unknown {
  try {
    return JSON.parse(
      JSON.stringify(value, (_key, inner: unknown) =>
        typeof inner === 'bigint' ? `${inner}n` : inner instanceof Map ? [...inner] : inner,
      ) ?? 'null',
    );
  } catch {
    return String(value);
  }
}
