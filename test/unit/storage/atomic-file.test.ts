import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backupNameFor,
  writeFileAtomic,
  WriteQueue,
} from '../../../src-main/storage/atomic-file.js';

const folder = () => mkdtempSync(join(tmpdir(), 'natter-atomic-'));

describe('writing a file atomically', () => {
  it('replaces the file and leaves nothing else behind', async () => {
    const dir = folder();
    const file = join(dir, 'nested', 'settings.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['settings.json']);
  });

  it('removes its temporary file when the rename fails', async () => {
    const dir = folder();
    const file = join(dir, 'settings.json');
    mkdirSync(file);
    await expect(writeFileAtomic(file, 'text')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('names a backup with a time Windows accepts in a file name', () => {
    expect(backupNameFor('/u/settings.json', new Date('2026-12-01T09:50:06.123Z'))).toBe(
      '/u/settings.json.corrupt-2026-12-01T09-50-06.123Z',
    );
  });
});

describe('the write queue', () => {
  it('runs writes one at a time, in the order asked, past a failed one', async () => {
    const queue = new WriteQueue();
    const log: string[] = [];
    let running = 0;
    const write =
      (name: string, fail = false) =>
      async () => {
        running += 1;
        expect(running).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push(name);
        running -= 1;
        if (fail) throw new Error(`${name} failed`);
      };
    const results = await Promise.allSettled([
      queue.run(write('a')),
      queue.run(write('b', true)),
      queue.run(write('c')),
    ]);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await expect(queue.idle()).resolves.toBeUndefined();
  });
});
