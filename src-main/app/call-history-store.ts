/**
 * Recent calls kept in a JSON file in the user data folder, newest first and capped; a missing
 * or corrupt file is an empty history.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  HISTORY_LIMIT,
  historyEntryOf,
  historyEntrySchema,
  type HistoryEntry,
} from '../../src-shared/call-history.js';
import type { CallInfo } from '../../src-shared/domain.js';

export class CallHistoryStore {
  private entries: HistoryEntry[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async load(): Promise<HistoryEntry[]> {
    try {
      const parsed = z
        .array(historyEntrySchema)
        .safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      this.entries = parsed.success ? parsed.data.slice(0, HISTORY_LIMIT) : [];
    } catch {
      this.entries = [];
    }
    return this.entries;
  }

  get list(): HistoryEntry[] {
    return this.entries;
  }

  /** Records an ended call (once per call id); writes are serialised. */
  record(call: CallInfo): Promise<void> {
    if (call.state !== 'ended' || this.entries.some((entry) => entry.id === call.id)) {
      return this.writing;
    }
    this.entries = [historyEntryOf(call), ...this.entries].slice(0, HISTORY_LIMIT);
    return this.persist();
  }

  /** Forgets every call, on disk too. */
  clear(): Promise<void> {
    this.entries = [];
    return this.persist();
  }

  private persist(): Promise<void> {
    const snapshot = JSON.stringify(this.entries);
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(`${this.file}.tmp`, snapshot, { mode: 0o600 });
      await rename(`${this.file}.tmp`, this.file);
    });
    return this.writing;
  }
}
