/**
 * The renderer's way to the engine: `window.natter` from the preload in the app, or, for the
 * end-to-end tests in a plain browser, the same contract over a loopback WebSocket whose address
 * and one-time token come in the page URL.
 */
import type {
  BridgeResult,
  EventName,
  EventPayload,
  InvokeName,
  InvokeRequest,
  InvokeResponse,
  NatterBridge,
} from '../../src-shared/ipc-contract.js';

declare global {
  interface Window {
    natter?: NatterBridge;
  }
}

function websocketBridge(url: string): NatterBridge {
  const socket = new WebSocket(url);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('bridge unreachable')), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, (result: BridgeResult<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data)) as
      { id: number; result: BridgeResult<unknown> } | { event: string; payload: unknown };
    if ('id' in data) {
      pending.get(data.id)?.(data.result);
      pending.delete(data.id);
    } else {
      for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
    }
  });
  return {
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
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  };
}

export function connectBridge(): NatterBridge {
  if (window.natter) return window.natter;
  const params = new URLSearchParams(window.location.search);
  const url = params.get('bridge');
  if (url && /^ws:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+$/.test(url)) return websocketBridge(url);
  throw new Error('Natter runs inside its desktop app');
}
