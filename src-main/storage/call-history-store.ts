/**
 * Recent calls kept in a JSON file in the user data folder, newest first and capped. Each entry
 * is read on its own: a bad one is dropped and the rest kept; entries written before the History
 * page existed get the fields it needs from what they carry. A file that cannot be parsed at all
 * is moved aside as `history.json.corrupt-<time>` and the history starts empty. Writes replace the
 * file atomically (see atomic-file.ts) and run one at a time.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  HISTORY_LIMIT,
  callOutcomeOf,
  callOutcomeSchema,
  durationSecondsOf,
  historyEntryOf,
  historyEntrySchema,
  type HistoryEntry,
} from '../../src-shared/call-history.js';
import type { CallInfo } from '../../src-shared/domain.js';
import {
  keepAsBackup,
  removeStaleTemporaries,
  writeFileAtomic,
  WriteQueue,
} from './atomic-file.js';

const isoTime = z.string().refine((time) => !Number.isNaN(Date.parse(time)), 'not a time');

/** An entry as any version of the file holds it; fields added later are optional here. */
const storedEntrySchema = historyEntrySchema.extend({
  startedAt: isoTime,
  name: z.string().nullable().catch(null),
  answeredAt: isoTime.nullable().catch(null),
  endedAt: isoTime.nullable().catch(null),
  durationSeconds: z.number().int().nonnegative().nullable().catch(null),
  outcome: callOutcomeSchema.optional().catch(undefined),
  result: z.string().catch(''),
  code: historyEntrySchema.shape.code.catch(null),
  sipStatus: z.number().int().nullable().catch(null),
  recording: historyEntrySchema.shape.recording.catch(undefined),
});

function entryFromStored(raw: unknown): HistoryEntry | null {
  const parsed = storedEntrySchema.safeParse(raw);
  if (!parsed.success) return null;
  const { outcome, ...entry } = parsed.data;
  const durationSeconds =
    entry.durationSeconds ?? durationSecondsOf(entry.answeredAt, entry.endedAt);
  return {
    ...entry,
    durationSeconds,
    outcome:
      outcome ??
      callOutcomeOf({
        direction: entry.direction,
        answered: entry.answeredAt !== null || durationSeconds !== null,
        code: entry.code,
        sipStatus: entry.sipStatus,
      }),
  };
}

/** What the last load had to drop or set aside, for the app to tell the user. */
export interface HistoryLoadProblem {
  /** `unreadable`: nothing could be used; `entries-dropped`: some entries were bad. */
  kind: 'unreadable' | 'entries-dropped';
  message: string;
  /** Where the unreadable file was moved to; null when nothing was moved. */
  backup: string | null;
  droppedEntries: number;
}

export interface CallHistoryStoreOptions {
  /** Receives one line per load problem; lines carry counts and file names, never a number. */
  log?: (line: string) => void;
}

/**
 * Turns the text of a history file into entries, newest first and capped, dropping each bad or
 * repeated one; null when the text is not a JSON array at all (the caller sets the file aside).
 * Never throws, whatever the file holds.
 */
export function historyFromText(
  text: string,
): { entries: HistoryEntry[]; problem: HistoryLoadProblem | null } | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(raw)) return null;
  const seen = new Set<string>();
  const entries: HistoryEntry[] = [];
  for (const item of raw) {
    const entry = entryFromStored(item);
    if (!entry || seen.has(entry.id)) continue;
    seen.add(entry.id);
    entries.push(entry);
  }
  const dropped = raw.length - entries.length;
  const problem: HistoryLoadProblem | null =
    dropped > 0
      ? {
          kind: 'entries-dropped',
          message: `The call history had ${dropped} unreadable ${dropped === 1 ? 'entry' : 'entries'}; the others were kept.`,
          backup: null,
          droppedEntries: dropped,
        }
      : null;
  return { entries: entries.slice(0, HISTORY_LIMIT), problem };
}

export class CallHistoryStore {
  private entries: HistoryEntry[] = [];
  private readonly writes = new WriteQueue();
  private problem: HistoryLoadProblem | null = null;

  constructor(
    private readonly file: string,
    private readonly options: CallHistoryStoreOptions = {},
  ) {}

  get loadProblem(): HistoryLoadProblem | null {
    return this.problem;
  }

  async load(): Promise<HistoryEntry[]> {
    await removeStaleTemporaries(this.file);
    const { entries, problem } = await this.read();
    this.entries = entries;
    this.problem = problem;
    if (problem) this.options.log?.(problem.message);
    return this.entries;
  }

  private async read(): Promise<{ entries: HistoryEntry[]; problem: HistoryLoadProblem | null }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'ENOENT') return { entries: [], problem: null };
      const message = `The call history ${this.file} could not be read (${code}).`;
      return {
        entries: [],
        problem: { kind: 'unreadable', message, backup: null, droppedEntries: 0 },
      };
    }
    const read = historyFromText(text);
    if (read) return read;
    const backup = await keepAsBackup(this.file);
    const message = backup
      ? `The call history could not be read and was kept as ${backup}; it starts empty.`
      : `The call history ${this.file} could not be read; it starts empty.`;
    return { entries: [], problem: { kind: 'unreadable', message, backup, droppedEntries: 0 } };
  }

  get list(): HistoryEntry[] {
    return this.entries;
  }

  /** Records an ended call (once per call id). */
  record(call: CallInfo): Promise<void> {
    if (call.state !== 'ended' || this.entries.some((entry) => entry.id === call.id)) {
      return this.writes.idle();
    }
    this.entries = [historyEntryOf(call), ...this.entries].slice(0, HISTORY_LIMIT);
    return this.save();
  }

  /** Forgets every call, on disk too; resolves to the (empty) list once it is saved. */
  async clear(): Promise<HistoryEntry[]> {
    this.entries = [];
    await this.save();
    return this.entries;
  }

  /** Forgets one call, on disk too; an id no longer listed changes nothing. */
  async remove(id: string): Promise<HistoryEntry[]> {
    const kept = this.entries.filter((entry) => entry.id !== id);
    if (kept.length === this.entries.length) return this.entries;
    this.entries = kept;
    await this.save();
    return this.entries;
  }

  private save(): Promise<void> {
    // The newest list at the time the write runs: a change queued behind it is included.
    return this.writes.run(() => writeFileAtomic(this.file, JSON.stringify(this.entries)));
  }
}
