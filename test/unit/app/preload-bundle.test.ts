/**
 * The preload as it ships: the bundle electron-vite built (dist/app/preload/preload.cjs), run in
 * a fresh V8 context whose `require` knows only what Electron gives a sandboxed preload. Anything
 * else it asked for (zod, a file of ours left unbundled) would leave the page with no bridge at
 * all in the real app. Needs `npm run build` first; a missing bundle fails rather than skips.
 */
import { existsSync, readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../lab/support/peers.js';
import { createFakeElectron } from '../../support/fake-electron.js';

const BUNDLE = join(REPO, 'dist/app/preload/preload.cjs');
/** What `require` offers a preload under `sandbox: true` (Electron's "Process sandboxing"). */
const SANDBOXED_PRELOAD_MODULES = ['electron', 'events', 'timers', 'url'];

function loadBundle() {
  expect(existsSync(BUNDLE), `${BUNDLE} is missing: run \`npm run build\` first`).toBe(true);
  const electron = createFakeElectron();
  const window = new electron.module.BrowserWindow({});
  void window.loadFile('/opt/Natter/resources/app/dist/app/renderer/index.html');
  const required: string[] = [];
  const posted: unknown[][] = [];
  const document = Object.assign(new EventEmitter(), {
    readyState: 'loading',
    addEventListener: (type: string, listener: () => void) => document.once(type, listener),
  });
  const module = { exports: {} };
  runInNewContext(
    readFileSync(BUNDLE, 'utf8'),
    {
      require(name: string) {
        required.push(name);
        if (!SANDBOXED_PRELOAD_MODULES.includes(name)) {
          throw new Error(`Cannot find module '${name}' (a sandboxed preload cannot load it)`);
        }
        return name === 'electron' ? electron.module : {};
      },
      module,
      exports: module.exports,
      document,
      postMessage: (...args: unknown[]) => posted.push(args),
    },
    { filename: BUNDLE },
  );
  return { electron, required, posted, document };
}

describe('the built preload', () => {
  it('requires only what a sandboxed preload may, and exposes the bridge', () => {
    const { electron, required } = loadBundle();
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(SANDBOXED_PRELOAD_MODULES).toContain(name);
    const bridge = electron.exposed.get('natter') as Record<string, unknown> | undefined;
    expect(Object.keys(bridge ?? {}).sort()).toEqual(['invoke', 'on']);
  });

  it('says it is ready once the page’s scripts ran, and passes main’s audio port on', () => {
    const { electron, posted, document } = loadBundle();
    const port = { name: 'port2' };
    electron.module.ipcMain.on('natter:ready', (event) =>
      (event as { sender: { postMessage: (...args: unknown[]) => void } }).sender.postMessage(
        'natter:audio-port',
        null,
        [port],
      ),
    );
    expect(electron.toMain).toEqual([]);
    document.readyState = 'interactive';
    document.emit('DOMContentLoaded');
    expect(electron.toMain.map((message) => message.channel)).toEqual(['natter:ready']);
    expect(posted).toEqual([['natter:audio-port', '*', [port]]]);
  });
});
