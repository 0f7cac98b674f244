/**
 * The preload: one named method per contract channel through `contextBridge`, listeners that
 * return their unsubscribe function, and never the raw `ipcRenderer`. Bundled as one CommonJS
 * file so it runs under `sandbox: true`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  eventChannel,
  invokeChannel,
  isEventName,
  type BridgeResult,
  type NatterBridge,
} from '../../src-shared/ipc-contract.js';

const bridge: NatterBridge = {
  async invoke(command, request) {
    const result = (await ipcRenderer.invoke(
      invokeChannel(command),
      request,
    )) as BridgeResult<never>;
    if (!result.ok)
      throw Object.assign(new Error(result.error.message), { code: result.error.code });
    return result.value;
  },
  on(event, listener) {
    // Engine and app events alike, but only those the contract names: the page cannot listen in
    // on any other channel main may use.
    if (!isEventName(event)) throw new Error(`no such event: ${String(event).slice(0, 64)}`);
    const channel = eventChannel(event);
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.off(channel, wrapped);
  },
};

contextBridge.exposeInMainWorld('natter', bridge);
// A MessagePort cannot cross contextBridge; window.postMessage to our own window is the way
// Electron documents for handing one to the isolated page. It waits for the page's scripts (which
// run before DOMContentLoaded) so their listener is there; the page checks the message's source.
// The preload is compiled with main's Node types, not the DOM's: just what it touches of the page.
const page = globalThis as unknown as {
  postMessage(message: string, targetOrigin: string, transfer: unknown[]): void;
  document: {
    readyState: string;
    addEventListener(type: string, listener: () => void, options: { once: boolean }): void;
  };
};
ipcRenderer.on('natter:audio-port', (event) => {
  const hand = () => page.postMessage('natter:audio-port', '*', event.ports);
  if (page.document.readyState === 'loading') {
    page.document.addEventListener('DOMContentLoaded', hand, { once: true });
  } else {
    hand();
  }
});
