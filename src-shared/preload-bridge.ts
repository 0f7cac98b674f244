/**
 * The page's side of the IPC contract as one module: the preload runs it over Electron's
 * `ipcRenderer`, and the end-to-end test bridge runs the same code over a loopback WebSocket, so
 * the tests in Chromium exercise the bridge the app ships; only the transport differs.
 *
 * It may import nothing at runtime but `ipc-channels.ts`: the preload is sandboxed and cannot
 * load zod (see {@link ./ipc-channels.ts}). Main validates every payload; this end only keeps
 * the page to the contract's channels.
 */
import {
  AUDIO_PORT_CHANNEL,
  READY_CHANNEL,
  eventChannel,
  invokeChannel,
  isEventChannelName,
  isInvokeChannelName,
  type EventChannelName,
} from './ipc-channels.js';
import type { BridgeResult, NatterBridge } from './ipc-contract.js';

/** How the bridge reaches main: Electron's `ipcRenderer`, or the test bridge's socket. */
export interface BridgeTransport {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  /**
   * Listens on one channel; `ports` are the MessagePorts that came with the message (the audio
   * port), empty for plain events. Returns the unsubscribe function.
   */
  on(channel: string, listener: (payload: unknown, ports: readonly unknown[]) => void): () => void;
  send(channel: string): void;
}

/** What the bridge needs of the page it serves. */
export interface BridgePage {
  /** Runs `then` once the page's own scripts have run, so their listeners are in place. */
  whenScriptsRan(then: () => void): void;
  /** `window.postMessage` to the page itself: the way a MessagePort reaches an isolated page. */
  postMessage(message: string, targetOrigin: string, transfer: readonly unknown[]): void;
}

/**
 * Events the page reads once at start and might otherwise miss: a `tel:` link or a click on a
 * missed-call notification handed over on ready may arrive before the page has subscribed. The
 * latest is held for the first listener.
 */
const HELD_UNTIL_HEARD: ReadonlySet<EventChannelName> = new Set(['dial', 'openHistory']);

export function createBridge(transport: BridgeTransport): NatterBridge {
  const listenerCounts = new Map<EventChannelName, number>();
  const held = new Map<EventChannelName, unknown>();
  for (const name of HELD_UNTIL_HEARD) {
    transport.on(eventChannel(name), (payload) => {
      if (!listenerCounts.get(name)) held.set(name, payload);
    });
  }
  return {
    async invoke(command, request) {
      // Refused here as in main, so a typo reads as a plain error rather than a hung promise.
      if (!isInvokeChannelName(command)) {
        throw Object.assign(new Error(`no such command: ${String(command).slice(0, 64)}`), {
          code: 'unknown-channel',
        });
      }
      const result = (await transport.invoke(
        invokeChannel(command),
        request,
      )) as BridgeResult<never>;
      if (!result.ok) {
        throw Object.assign(new Error(result.error.message), { code: result.error.code });
      }
      return result.value;
    },
    on(event, listener) {
      // Only the contract's events: the page cannot listen in on any other channel main uses.
      if (!isEventChannelName(event)) {
        throw new Error(`no such event: ${String(event).slice(0, 64)}`);
      }
      const off = transport.on(eventChannel(event), (payload) => listener(payload as never));
      listenerCounts.set(event, (listenerCounts.get(event) ?? 0) + 1);
      if (held.has(event)) {
        const payload = held.get(event);
        held.delete(event);
        listener(payload as never);
      }
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        listenerCounts.set(event, (listenerCounts.get(event) ?? 1) - 1);
        off();
      };
    },
  };
}

/**
 * The ready handshake, page side: once the page's scripts have run, tell main the page can
 * receive; main answers with the call-audio port, which goes on to the page by `postMessage`
 * (a MessagePort cannot cross `contextBridge`). The page checks the message's source.
 */
export function announceReady(transport: BridgeTransport, page: BridgePage): void {
  transport.on(AUDIO_PORT_CHANNEL, (_payload, ports) => {
    if (ports.length > 0) page.postMessage(AUDIO_PORT_CHANNEL, '*', ports);
  });
  page.whenScriptsRan(() => transport.send(READY_CHANNEL));
}
