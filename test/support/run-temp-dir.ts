/**
 * Vitest global setup (and the bench's first step): the whole run writes its temporary files (lab
 * peers' configs and logs, packet captures, Chromium profiles, settings files of the app's tests)
 * under one directory of its own, removed when the run ends. Without it every lab file left its
 * peers' directories and captures in /tmp, a few hundred a run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function useRunTempDir(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'natter-test-run-'));
  // Workers and every peer they spawn inherit it; os.tmpdir() reads TMPDIR each time.
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
