/**
 * The preload: one named method per contract channel through `contextBridge`, listeners that
 * return their unsubscribe function, and never the raw `ipcRenderer`. Bundled as one CommonJS
 * file so it runs under `sandbox: true`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  eventChannel,
  invokeChannel,
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
    const channel = eventChannel(event);
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.off(channel, wrapped);
  },
};

contextBridge.exposeInMainWorld('natter', bridge);
ipcRenderer.send('natter:ready');
