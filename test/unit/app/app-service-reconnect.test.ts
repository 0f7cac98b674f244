/**
 * After a sleep or a network change the shell asks the app service to reconnect: with an account
 * open the engine heals in place (new mapping, REGISTER, re-INVITEs); otherwise it registers
 * with the stored account and re-checks the NAT.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createAppService } from '../../../src-main/app/app-service.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import type { CallInfo, NatStatus } from '../../../src-shared/domain.js';
import { plainCipher } from '../../support/ciphers.js';

const cipher = plainCipher;
const ACCOUNT = { server: 'montreal.voip.ms', user: '123456_home' };

async function serviceWith(saved: { account?: boolean; password?: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'natter-reconnect-'));
  const store = new SettingsStore(join(dir, 'settings.json'), cipher);
  await store.load();
  await store.update({
    ...(saved.account ? { account: ACCOUNT } : {}),
    ...(saved.password ? { password: 'sub-account secret' } : {}),
  });
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  const service = createAppService({ store, history });
  // The engine's commands are watched, not run: no registrar answers here.
  const calls: Partial<CallInfo>[] = [];
  const invoke = vi
    .spyOn(service.engine, 'invoke')
    .mockImplementation(async (command) =>
      command === 'snapshot' ? ({ calls } as never) : ({ state: 'registered' } as never),
    );
  return { service, store, invoke, calls };
}

describe('reconnect', () => {
  it('with an account open, hands the change to the engine, which heals in place', async () => {
    const { service, invoke } = await serviceWith({ account: true, password: true });
    vi.spyOn(service.engine, 'natStatus', 'get').mockReturnValue({} as NatStatus);
    const healed = vi.spyOn(service.engine, 'networkChanged').mockResolvedValue(undefined);
    await service.reconnect();
    expect(healed).toHaveBeenCalledTimes(1);
    // No fresh registration: that would open a new socket and end a call in progress.
    expect(invoke.mock.calls.map(([command]) => command)).toEqual([]);
  });

  it('with no account open yet, registers with the stored account, then re-checks the NAT', async () => {
    const { service, invoke } = await serviceWith({ account: true, password: true });
    const natStatus = vi.spyOn(service.engine, 'natStatus', 'get').mockReturnValue(null);
    invoke.mockImplementation(async (command) => {
      if (command === 'register') natStatus.mockReturnValue({} as NatStatus);
      return command === 'snapshot' ? ({ calls: [] } as never) : ({ state: 'registered' } as never);
    });
    await service.reconnect();
    expect(invoke.mock.calls.filter(([command]) => command !== 'snapshot')).toEqual([
      ['register', { account: ACCOUNT, password: 'sub-account secret' }],
      ['checkNat', {}],
    ]);
  });

  it('shares one run between calls that come together (wake and unlock)', async () => {
    const { service, invoke } = await serviceWith({ account: true, password: true });
    await Promise.all([service.reconnect(), service.reconnect()]);
    expect(invoke.mock.calls.filter(([command]) => command === 'register')).toHaveLength(1);
    await service.reconnect();
    expect(invoke.mock.calls.filter(([command]) => command === 'register')).toHaveLength(2);
  });

  it('does nothing without an account and password', async () => {
    const { service, invoke } = await serviceWith({ account: true });
    await service.reconnect();
    expect(invoke.mock.calls.map(([command]) => command)).toEqual(['snapshot']);
  });

  it('tells the shell about every saved change', async () => {
    const { service } = await serviceWith({});
    const seen: boolean[] = [];
    const off = service.onSettingsSaved((settings) => seen.push(settings.startAtLogin));
    await service.handlers.saveSettings({ startAtLogin: true });
    off();
    await service.handlers.saveSettings({ startAtLogin: false });
    expect(seen).toEqual([true]);
  });
});
