/**
 * A process killed in the middle of a save leaves a file that still reads as one whole version,
 * the last one it finished or the one it was writing, never a torn mix. The writer is a real
 * child process running the real stores (test/support/storage-writer.ts), killed with SIGKILL at
 * random moments while it saves as fast as it can; after each kill a fresh store reads the file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { HISTORY_LIMIT } from '../../../src-shared/call-history.js';
import { endedCall, settingsVersion, settingsVersionOf } from '../../support/storage-versions.js';
import { xorCipher } from '../../support/ciphers.js';

const KILLS = 12;
const REPO = join(import.meta.dirname, '..', '..', '..');
const WRITER = join(REPO, 'test', 'support', 'storage-writer.ts');
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

/**
 * Starts the writer, lets it finish at least one save and then run for a random while, and kills
 * it. Resolves to the last version it reported finished.
 */
function writeThenKill(kind: 'settings' | 'history', file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'jiti/register', WRITER, kind, file], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let finished = 0;
    let errors = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = chunk.trim().split('\n');
      finished = Math.max(finished, Number(lines[lines.length - 1]));
      timer ??= setTimeout(() => child.kill('SIGKILL'), Math.random() * 60);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    // `close`, not `exit`: every version the writer printed has been read by then.
    child.on('close', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL') resolve(finished);
      else reject(new Error(`writer exited by itself (${code}): ${errors}`));
    });
  });
}

const temporariesIn = (folder: string) =>
  readdirSync(folder).filter((name) => name.endsWith('.tmp'));

/** Makes every temporary file look as old as one a crash left long ago. */
function ageTemporaries(folder: string): void {
  const longAgo = new Date(Date.now() - 3_600_000);
  for (const name of temporariesIn(folder)) utimesSync(join(folder, name), longAgo, longAgo);
}

describe('a save killed half-way', () => {
  it('leaves the settings file whole: the version finished or the one being written', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'natter-crash-settings-'));
    const file = join(folder, 'settings.json');
    let previous = 0;
    for (let kill = 0; kill < KILLS; kill += 1) {
      const finished = await writeThenKill('settings', file);
      const store = new SettingsStore(file, xorCipher);
      const settings = await store.load();
      expect(store.loadProblem).toBeNull();
      const version = settingsVersionOf(settings.turnUser);
      expect(version === finished || version === finished + 1).toBe(true);
      expect(version).toBeGreaterThan(previous);
      const { password, turnPassword, ...expected } = settingsVersion(version);
      expect(settings).toMatchObject({ ...expected, hasPassword: true, hasTurnPassword: true });
      expect(store.password()).toBe(password);
      expect(store.turnPassword()).toBe(turnPassword);
      previous = version;
    }
    // What the kills left half-written is never read, and is removed once it is clearly stale.
    ageTemporaries(folder);
    await new SettingsStore(file, xorCipher).load();
    expect(temporariesIn(folder)).toEqual([]);
  }, 90_000);

  it('leaves the call history whole: every call up to the last one saved, or one more', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'natter-crash-history-'));
    const file = join(folder, 'history.json');
    let previous = 0;
    for (let kill = 0; kill < KILLS; kill += 1) {
      const finished = await writeThenKill('history', file);
      JSON.parse(readFileSync(file, 'utf8'));
      const store = new CallHistoryStore(file);
      const entries = await store.load();
      expect(store.loadProblem).toBeNull();
      const newest = Number(entries[0]?.id.replace('call-', ''));
      expect(newest === finished || newest === finished + 1).toBe(true);
      expect(newest).toBeGreaterThan(previous);
      const count = Math.min(newest, HISTORY_LIMIT);
      expect(entries.map((entry) => entry.id)).toEqual(
        Array.from({ length: count }, (_, index) => endedCall(newest - index).id),
      );
      expect(entries[entries.length - 1]).toMatchObject({
        number: endedCall(newest - count + 1).remote,
        outcome: 'answered',
      });
      previous = newest;
    }
    ageTemporaries(folder);
    await new CallHistoryStore(file).load();
    expect(temporariesIn(folder)).toEqual([]);
  }, 90_000);
});
