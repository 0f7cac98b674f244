/**
 * The renderer's way to the engine: `window.natter` from the preload in the app, or, for the
 * end-to-end tests in a plain browser, the same contract over a loopback WebSocket whose address
 * and one-time token come in the page URL.
 */
import type { NatterBridge } from '../../../src-shared/ipc-contract.js';
import AudioSocketWorker from './audio-socket-worker.ts?worker';
import { AUDIO_PORT_CHANNEL } from '../../../src-shared/ipc-channels.js';
import {
  announceReady,
  createBridge,
  type BridgeTransport,
} from '../../../src-shared/preload-bridge.js';

declare global {
  interface Window {
    natter?: NatterBridge;
  }
}

/** The bridge and the port call audio travels on (see src-shared/audio-link.ts). */
export interface Connection {
  bridge: NatterBridge;
  audioPort: Promise<MessagePort>;
}

/**
 * The preload hands main's audio port over with window.postMessage; listening from module load on
 * means the hand-over cannot come before the listener.
 */
const handedAudioPort = new Promise<MessagePort>((resolve) => {
  const take = (event: MessageEvent) => {
    if (event.source !== window || event.data !== AUDIO_PORT_CHANNEL || !event.ports[0]) return;
    window.removeEventListener('message', take);
    resolve(event.ports[0]);
  };
  window.addEventListener('message', take);
});

/**
 * Electron's `ipcRenderer` replaced by a loopback WebSocket (test/e2e/support/bridge-server.ts):
 * JSON messages `{id, channel, payload}` / `{id, result}` for invokes, `{send}` for the ready
 * signal and `{channel, payload}` for events. The answer to ready names a second socket for call
 * audio; a worker owns it and holds one end of a MessagePort whose other end reaches the page as
 * main's port does in the app, so audio never crosses the page's main thread here either.
 */
function websocketTransport(url: string): BridgeTransport {
  const socket = new WebSocket(url);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('bridge unreachable')), { once: true });
  });
  const audioPortFor = (payload: unknown): MessagePort[] => {
    const token = (payload as { audioToken?: unknown } | undefined)?.audioToken;
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) return [];
    const audio = new MessageChannel();
    const worker = new AudioSocketWorker({ name: 'call audio socket' });
    worker.postMessage({ url: `${url}/audio/${token}`, port: audio.port2 }, [audio.port2]);
    return [audio.port1];
  };
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  const listeners = new Map<string, Set<(payload: unknown, ports: readonly unknown[]) => void>>();
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data)) as
      { id: number; result: unknown } | { channel: string; payload: unknown };
    if ('id' in data) {
      pending.get(data.id)?.(data.result);
      pending.delete(data.id);
      return;
    }
    const ports = data.channel === AUDIO_PORT_CHANNEL ? audioPortFor(data.payload) : [];
    for (const listener of listeners.get(data.channel) ?? []) listener(data.payload, ports);
  });
  return {
    async invoke(channel, payload) {
      await opened;
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, channel, payload }));
      });
    },
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    send(channel) {
      // An unreachable socket is already reported by the first invoke.
      opened.then(
        () => socket.send(JSON.stringify({ send: channel })),
        () => undefined,
      );
    },
  };
}

export function connectBridge(): Connection {
  if (window.natter) return { bridge: window.natter, audioPort: handedAudioPort };
  const params = new URLSearchParams(window.location.search);
  const url = params.get('bridge');
  if (url && /^ws:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+$/.test(url)) {
    // The preload's own bridge code, over the socket instead of ipcRenderer.
    const transport = websocketTransport(url);
    const bridge = createBridge(transport);
    announceReady(transport, {
      // This runs from the page's own scripts: they have run far enough to listen.
      whenScriptsRan: (then) => then(),
      postMessage: (message, targetOrigin, transfer) =>
        window.postMessage(message, targetOrigin, transfer as Transferable[]),
    });
    return { bridge, audioPort: handedAudioPort };
  }
  throw new Error('Natter runs inside its desktop app');
}
