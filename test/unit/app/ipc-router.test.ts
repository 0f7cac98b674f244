import { describe, expect, it, vi } from 'vitest';
import { createIpcRouter, type InvokeHandlers } from '../../../src-main/app/ipc-router.js';

const APP = 'file:///opt/natter/renderer/index.html';

function router(overrides: Partial<InvokeHandlers> = {}) {
  const call = vi.fn(async () => ({ id: 'c1' }));
  const handlers = { call, ...overrides } as unknown as InvokeHandlers;
  const refused: string[] = [];
  const route = createIpcRouter({
    handlers,
    isTrustedSender: (url) => url === APP,
    onRefused: (reason) => refused.push(reason),
  });
  return { route, call, refused };
}

describe('IPC router', () => {
  it('serves a valid request from the app frame', async () => {
    const { route, call } = router();
    expect(await route('call', { target: '4443' }, APP)).toEqual({ ok: true, value: { id: 'c1' } });
    expect(call).toHaveBeenCalledWith({ target: '4443' });
  });

  it.each([
    ['an untrusted frame', 'call', { target: '4443' }, 'https://evil.example/', 'untrusted-sender'],
    ['no frame', 'call', { target: '4443' }, undefined, 'untrusted-sender'],
    ['an unknown channel', 'eval', {}, APP, 'unknown-channel'],
    ['a prototype key', '__proto__', {}, APP, 'unknown-channel'],
    ['a bad payload', 'call', { target: 'sip:x;evil' }, APP, 'bad-payload'],
    ['a missing payload', 'call', undefined, APP, 'bad-payload'],
    ['extra fields on settings', 'saveSettings', { hasPassword: true }, APP, 'bad-payload'],
    ['a huge string', 'sendDtmf', { callId: 'c', digits: '1'.repeat(10_000) }, APP, 'bad-payload'],
  ])('refuses %s without calling a handler', async (_name, channel, payload, sender, code) => {
    const { route, call, refused } = router();
    const result = await route(channel, payload, sender);
    expect(result).toMatchObject({ ok: false, error: { code } });
    expect(call).not.toHaveBeenCalled();
    expect(refused).toHaveLength(1);
  });

  it('turns a failing handler into an error result, never a throw', async () => {
    const { route } = router({
      call: async () => {
        throw Object.assign(new Error('not registered'), { code: 'not-registered' });
      },
    });
    expect(await route('call', { target: '4443' }, APP)).toEqual({
      ok: false,
      error: { code: 'not-registered', message: 'not registered' },
    });
  });
});
