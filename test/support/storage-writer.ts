/**
 * A process that saves settings (or records calls) with the real stores as fast as it can,
 * version after version, and prints each version once its save has finished. The crash tests
 * kill it at random moments and then read what it left.
 *
 *   node --import jiti/register test/support/storage-writer.ts settings|history <file>
 */
import { CallHistoryStore } from '../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../src-main/storage/settings-store.js';
import { xorCipher } from './ciphers.js';
import { endedCall, settingsVersion, settingsVersionOf } from './storage-versions.js';

async function writeSettings(file: string): Promise<never> {
  const store = new SettingsStore(file, xorCipher);
  const loaded = await store.load();
  let version = Number.isNaN(settingsVersionOf(loaded.turnUser))
    ? 1
    : settingsVersionOf(loaded.turnUser) + 1;
  for (;;) {
    await store.update(settingsVersion(version));
    process.stdout.write(`${version}\n`);
    version += 1;
  }
}

async function writeHistory(file: string): Promise<never> {
  const store = new CallHistoryStore(file);
  const [newest] = await store.load();
  let version = newest ? Number(newest.id.replace('call-', '')) + 1 : 1;
  for (;;) {
    await store.record(endedCall(version));
    process.stdout.write(`${version}\n`);
    version += 1;
  }
}

const [kind, file] = process.argv.slice(2);
if (!file || (kind !== 'settings' && kind !== 'history')) {
  process.stderr.write('usage: storage-writer.ts settings|history <file>\n');
  process.exit(2);
}
await (kind === 'settings' ? writeSettings(file) : writeHistory(file));
