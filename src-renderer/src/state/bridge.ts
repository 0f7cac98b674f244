/**
 * The renderer's way to the engine: `window.natter` from the preload in the app, or, for the
 * end-to-end tests in a plain browser, the same contract over a loopback WebSocket whose address
 * and one-time token come in the page URL.
 */
import type {
  BridgeEventName,
  BridgeEventPayload,
  BridgeResult,
  InvokeName,
  InvokeRequest,
  InvokeResponse,
  NatterBridge,
} from '../../../src-shared/ipc-contract.js';
import { decodeAudioMessage, encodeAudioMessage } from '../../../src-shared/audio-link.js';

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

function websocketBridge(url: string): Connection {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  // The worklet speaks MessagePort; this end relays it to the socket's binary messages.
  const audio = new MessageChannel();
  audio.port2.onmessage = (event: MessageEvent) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(encodeAudioMessage(event.data));
  };
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('bridge unreachable')), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, (result: BridgeResult<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  socket.addEventListener('message', (message) => {
    if (message.data instanceof ArrayBuffer) {
      const decoded = decodeAudioMessage(message.data);
      if (decoded) audio.port2.postMessage(decoded);
      return;
    }
    const data = JSON.parse(String(message.data)) as
      { id: number; result: BridgeResult<unknown> } | { event: string; payload: unknown };
    if ('id' in data) {
      pending.get(data.id)?.(data.result);
      pending.delete(data.id);
    } else {
      for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
    }
  });
  const bridge: NatterBridge = {
    async invoke<C extends InvokeName>(command: C, request: InvokeRequest<C>) {
      await opened;
      const id = nextId++;
      const result = await new Promise<BridgeResult<unknown>>((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, command, request }));
      });
      if (!result.ok)
        throw Object.assign(new Error(result.error.message), { code: result.error.code });
      return result.value as InvokeResponse<C>;
    },
    on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEventPayload<E>) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  };
  return { bridge, audioPort: Promise.resolve(audio.port1) };
}

/**
 * The preload hands main's audio port over with window.postMessage; listening from module load on
 * means the hand-over cannot come before the listener.
 */
const electronAudioPort = new Promise<MessagePort>((resolve) => {
  const take = (event: MessageEvent) => {
    if (event.source !== window || event.data !== 'natter:audio-port' || !event.ports[0]) return;
    window.removeEventListener('message', take);
    resolve(event.ports[0]);
  };
  window.addEventListener('message', take);
});

export function connectBridge(): Connection {
  if (window.natter) return { bridge: window.natter, audioPort: electronAudioPort };
  const params = new URLSearchParams(window.location.search);
  const url = params.get('bridge');
  if (url && /^ws:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+$/.test(url)) return websocketBridge(url);
  throw new Error('Natter runs inside its desktop app');
}
