/**
 * The preload: the contract bridge of `src-shared/preload-bridge.ts` over `ipcRenderer`, exposed
 * through `contextBridge`; the page never sees the raw `ipcRenderer`. Bundled as one CommonJS
 * file that requires only `electron`, so it runs under `sandbox: true` (checked by
 * test/unit/app/preload-bundle.test.ts against the built file).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  announceReady,
  createBridge,
  type BridgeTransport,
} from '../../src-shared/preload-bridge.js';

const transport: BridgeTransport = {
  invoke: (channel, payload) => ipcRenderer.invoke(channel, payload),
  on(channel, listener) {
    const wrapped = (event: IpcRendererEvent, payload: unknown) => listener(payload, event.ports);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.off(channel, wrapped);
  },
  send: (channel) => ipcRenderer.send(channel),
};

contextBridge.exposeInMainWorld('natter', createBridge(transport));

// The preload is compiled with main's Node types, not the DOM's: just what it touches of the page.
const page = globalThis as unknown as {
  postMessage(message: string, targetOrigin: string, transfer: readonly unknown[]): void;
  document: {
    readyState: string;
    addEventListener(type: string, listener: () => void, options: { once: boolean }): void;
  };
};
announceReady(transport, {
  // The page's module scripts run before DOMContentLoaded, so by then its listener is there.
  whenScriptsRan(then) {
    if (page.document.readyState === 'loading') {
      page.document.addEventListener('DOMContentLoaded', then, { once: true });
    } else {
      then();
    }
  },
  postMessage: (message, targetOrigin, transfer) =>
    page.postMessage(message, targetOrigin, transfer),
});
