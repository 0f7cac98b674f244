/**
 * Writing a file so that a crash or power loss at any moment leaves either the previous version
 * or the new one, never a torn mix: the new text goes to a temporary file of its own in the same
 * folder, is flushed to the disk, and then takes the real name with one rename (atomic on POSIX,
 * and a replace on Windows). The folder is flushed after the rename, so the new name survives a
 * power cut too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMPORARY_SUFFIX = '.tmp';

/** A temporary name unique to this process and this write, so two writers never share one. */
function temporaryNameFor(file: string): string {
  return `${file}.${process.pid}-${randomBytes(6).toString('hex')}${TEMPORARY_SUFFIX}`;
}

/** Whether `name` is a temporary file some writer of `file` left behind, ours or an older one. */
function isTemporaryOf(file: string, name: string): boolean {
  return name.startsWith(`${basename(file)}.`) && name.endsWith(TEMPORARY_SUFFIX);
}

export async function writeFileAtomic(
  file: string,
  text: string,
  options: { mode?: number } = {},
): Promise<void> {
  const folder = dirname(file);
  await mkdir(folder, { recursive: true });
  const temporary = temporaryNameFor(file);
  try {
    const handle = await open(temporary, 'wx', options.mode ?? 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

/** Flushes a folder's entries; Windows cannot open a folder for that, and needs no flush there. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse to flush a folder; the rename has still happened.
  }
}

/**
 * Removes temporary files a crashed writer of `file` left behind. Only those older than
 * `olderThanMs`: a younger one may belong to another process (the CLI beside the app) that is
 * about to rename it.
 */
export async function removeStaleTemporaries(
  file: string,
  olderThanMs = 60_000,
  now: number = Date.now(),
): Promise<string[]> {
  const folder = dirname(file);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((entry) => isTemporaryOf(file, entry))) {
    const path = join(folder, name);
    try {
      if (now - (await stat(path)).mtimeMs < olderThanMs) continue;
      await rm(path, { force: true });
      removed.push(path);
    } catch {
      // Gone already, or not ours to remove: either way it is never read.
    }
  }
  return removed;
}

/** The name a file that could not be read is kept under: `settings.json.corrupt-<time>`. */
export function backupNameFor(file: string, at: Date = new Date()): string {
  // Colons are not allowed in Windows file names.
  return `${file}.corrupt-${at.toISOString().replace(/:/g, '-')}`;
}

/**
 * Moves a file that could not be understood aside, so the next save cannot overwrite what may
 * still be recovered from it by hand. Returns the backup's path, or null when it could not be
 * moved.
 */
export async function keepAsBackup(file: string, at: Date = new Date()): Promise<string | null> {
  const backup = backupNameFor(file, at);
  try {
    await rename(file, backup);
    return backup;
  } catch {
    return null;
  }
}

/**
 * Runs writes one after another in the order they were asked for, so two quick saves can never
 * interleave; a failed write is reported to its caller and does not stop the ones after it.
 */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();

  run(write: () => Promise<void>): Promise<void> {
    const result = this.tail.then(write);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every write asked for so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
