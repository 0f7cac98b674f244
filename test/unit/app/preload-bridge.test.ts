/**
 * The page's bridge on its own, over an in-memory transport: what the preload and the test
 * bridge both run.
 */
import { describe, expect, it } from 'vitest';
import {
  announceReady,
  createBridge,
  type BridgeTransport,
} from '../../../src-shared/preload-bridge.js';

function memoryTransport(answer: (channel: string, payload: unknown) => unknown = () => null) {
  const listeners = new Map<string, Set<(payload: unknown, ports: readonly unknown[]) => void>>();
  const sent: string[] = [];
  const invoked: string[] = [];
  const transport: BridgeTransport = {
    invoke: async (channel, payload) => {
      invoked.push(channel);
      return answer(channel, payload);
    },
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    send: (channel) => void sent.push(channel),
  };
  const deliver = (channel: string, payload: unknown, ports: unknown[] = []) => {
    for (const listener of listeners.get(channel) ?? []) listener(payload, ports);
  };
  return { transport, deliver, sent, invoked, listeners };
}

describe('the page’s bridge', () => {
  it('answers with the value main returned, and throws main’s refusal with its code', async () => {
    const { transport } = memoryTransport((channel) =>
      channel === 'natter:invoke:getSettings'
        ? { ok: true, value: { theme: 'dark' } }
        : { ok: false, error: { code: 'bad-payload', message: 'call: target Invalid' } },
    );
    const bridge = createBridge(transport);
    await expect(bridge.invoke('getSettings', {})).resolves.toEqual({ theme: 'dark' });
    await expect(bridge.invoke('call', { target: 'x' })).rejects.toMatchObject({
      code: 'bad-payload',
      message: 'call: target Invalid',
    });
  });

  it('refuses commands and events the contract does not name, prototype keys included', async () => {
    const { transport, invoked, listeners } = memoryTransport();
    const bridge = createBridge(transport) as unknown as {
      invoke(command: string, request: unknown): Promise<unknown>;
      on(event: string, listener: () => void): () => void;
    };
    await expect(bridge.invoke('formatDisk', {})).rejects.toMatchObject({
      code: 'unknown-channel',
    });
    expect(() => bridge.on('__proto__', () => undefined)).toThrow(/no such event/);
    expect(() => bridge.on('audio-port', () => undefined)).toThrow(/no such event/);
    expect(invoked).toEqual([]);
    // Only the events held for a page that subscribes late are listened to before it asks.
    expect([...listeners.keys()]).toEqual(['natter:event:dial', 'natter:event:openHistory']);
  });

  it('holds a link’s number for the first listener, then passes numbers straight through', () => {
    const { transport, deliver } = memoryTransport();
    const bridge = createBridge(transport);
    deliver('natter:event:dial', { number: '4443' });
    deliver('natter:event:dial', { number: '15145550100' });
    const heard: string[] = [];
    const off = bridge.on('dial', ({ number }) => heard.push(number));
    expect(heard).toEqual(['15145550100']);
    deliver('natter:event:dial', { number: '4747' });
    off();
    off();
    deliver('natter:event:dial', { number: '911' });
    expect(heard).toEqual(['15145550100', '4747']);
    // Nobody listens now: the next listener gets the one that came in between.
    bridge.on('dial', ({ number }) => heard.push(number));
    expect(heard).toEqual(['15145550100', '4747', '911']);
  });

  it('says it is ready only once the page’s scripts ran, and passes the audio port to the page', () => {
    const { transport, deliver, sent } = memoryTransport();
    let scriptsRan: () => void = () => undefined;
    const posted: unknown[][] = [];
    announceReady(transport, {
      whenScriptsRan: (then) => (scriptsRan = then),
      postMessage: (...args) => posted.push(args),
    });
    expect(sent).toEqual([]);
    scriptsRan();
    expect(sent).toEqual(['natter:ready']);
    const port = {};
    deliver('natter:audio-port', null, [port]);
    deliver('natter:audio-port', null, []);
    expect(posted).toEqual([['natter:audio-port', '*', [port]]]);
  });
});
