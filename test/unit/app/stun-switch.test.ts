/**
 * The settings page's STUN switch as main applies it: off hands the engine no STUN server (the
 * list stays stored for later), on hands it the list again, and a reorder while off stays off.
 */
import { officeAccount } from '../../support/more-account.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { plainCipher } from '../../support/ciphers.js';

const cipher = plainCipher;
const LIST = ['127.0.0.1:3478', '127.0.0.1:3479'];

let service: AppService;
let store: SettingsStore;

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natter-stun-switch-'));
  store = new SettingsStore(join(dir, 'settings.json'), cipher);
  await store.load();
  await store.update({ stunServers: LIST });
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  service = createAppService({ store, history });
});

describe('STUN on/off switch', () => {
  it('starts the engine with no STUN server when the stored switch is off', async () => {
    await store.update({ stunEnabled: false });
    const history = new CallHistoryStore(join(tmpdir(), `natter-h-${process.pid}.json`));
    const off = createAppService({ store, history });
    expect(off.engine.engineOptions.stunServers).toEqual([]);
    expect(service.engine.engineOptions.stunServers).toEqual(LIST);
  });

  it('off empties what the engine asks and keeps the list; on brings it back', async () => {
    const off = await service.handlers.saveSettings({ stunEnabled: false });
    expect(off.stunEnabled).toBe(false);
    expect(off.stunServers).toEqual(LIST);
    expect(service.engine.engineOptions.stunServers).toEqual([]);

    const reordered = await service.handlers.saveSettings({ stunServers: [...LIST].reverse() });
    expect(reordered.stunServers).toEqual([...LIST].reverse());
    expect(service.engine.engineOptions.stunServers).toEqual([]);

    await service.handlers.saveSettings({ stunEnabled: true });
    expect(service.engine.engineOptions.stunServers).toEqual([...LIST].reverse());
  });

  it('switching STUN or changing the list re-checks every account’s NAT, not only the first', async () => {
    await store.update({ moreAccounts: [officeAccount()] });
    const history = new CallHistoryStore(join(tmpdir(), `natter-h2-${process.pid}.json`));
    const both = createAppService({ store, history });
    await both.start();
    const office = both.fleet.engineOf('office');
    expect(office).not.toBeNull();
    const asked = (engine: NonNullable<typeof office>) => {
      const invoke = vi.spyOn(engine, 'invoke');
      return () =>
        invoke.mock.calls.filter(([command]) => command === 'setStunServers').map(([, r]) => r);
    };
    const firstAsked = asked(both.engine);
    const officeAsked = asked(office!);
    await both.handlers.saveSettings({ stunEnabled: false });
    await both.handlers.saveSettings({ stunEnabled: true });
    // No account registered here, so the first account's answer is "no account"; asked all the same.
    await both.handlers.setStunServers({ servers: [...LIST].reverse() }).catch(() => undefined);
    const expected = [{ servers: [] }, { servers: LIST }, { servers: [...LIST].reverse() }];
    expect(firstAsked()).toEqual(expected);
    expect(officeAsked()).toEqual(expected);
    await both.stop();
  });
});
