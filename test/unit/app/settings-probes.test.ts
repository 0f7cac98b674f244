/**
 * The settings page's network tests as main serves them: through the IPC router, so the
 * contract's validation is part of what is tested, to the real handlers on loopback.
 */
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stun from 'stun';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import {
  MAX_PROBED_SERVERS,
  invokeSchemas,
  serverProbeSchema,
  stunServerTestSchema,
} from '../../../src-shared/ipc-contract.js';
import { plainCipher } from '../../support/ciphers.js';

const APP = 'file:///opt/natter/renderer/index.html';
const cipher = plainCipher;

let service: AppService;
let route: ReturnType<typeof createIpcRouter>;
let stunServer: dgram.Socket;
let sipServer: dgram.Socket;
let stunAddress: string;
let sipAddress: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natter-probes-'));
  const store = new SettingsStore(join(dir, 'settings.json'), cipher);
  await store.load();
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  service = createAppService({
    store,
    history,
    probes: { stunTest: { timeoutMs: 300 }, serverProbe: { deadlineMs: 400 } },
  });
  route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (url) => url === APP });

  stunServer = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => stunServer.bind(0, '127.0.0.1', resolve));
  stunServer.on('message', (datagram, rinfo) => {
    const answer = stun.createMessage(0x0101, stun.decode(datagram).transactionId);
    answer.addXorAddress(rinfo.address, rinfo.port);
    stunServer.send(stun.encode(answer), rinfo.port, rinfo.address);
  });
  stunAddress = `127.0.0.1:${stunServer.address().port}`;

  sipServer = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sipServer.bind(0, '127.0.0.1', resolve));
  sipServer.on('message', (datagram, rinfo) => {
    const request = datagram.toString('utf8');
    const copy = (name: string) => new RegExp(`^${name}: .*$`, 'mi').exec(request)?.[0] ?? '';
    const response = [
      'SIP/2.0 405 Method Not Allowed',
      copy('Via'),
      copy('From'),
      `${copy('To')};tag=x`,
      copy('Call-ID'),
      copy('CSeq'),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    sipServer.send(response, rinfo.port, rinfo.address);
  });
  sipAddress = `127.0.0.1:${sipServer.address().port}`;
});

afterAll(async () => {
  await service.stop();
  stunServer.close();
  sipServer.close();
});

describe('testStunServer over IPC', () => {
  it('answers with the mapping, in the shape the contract promises', async () => {
    const result = await route('testStunServer', { server: stunAddress }, APP);
    expect(result.ok).toBe(true);
    const value = stunServerTestSchema.parse(result.ok ? result.value : null);
    expect(value.mapped?.address).toBe('127.0.0.1');
    expect(value.rttMs).not.toBeNull();
    expect(value.error).toBeNull();
    expect(invokeSchemas.testStunServer.response.safeParse(value).success).toBe(true);
  });

  it.each([
    ['no server', {}],
    ['a server with a path', { server: 'stun.example.com/x' }],
    ['an extra field', { server: stunAddress, port: 1 }],
    ['a list', { server: [stunAddress] }],
  ])('refuses %s', async (_name, payload) => {
    expect(await route('testStunServer', payload, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
  });
});

describe('probeServers over IPC', () => {
  it('measures each server and reports the silent ones within the bound', async () => {
    const started = performance.now();
    const result = await route('probeServers', { servers: [sipAddress, '127.0.0.1:9'] }, APP);
    expect(performance.now() - started).toBeLessThan(900);
    expect(result.ok).toBe(true);
    const value = invokeSchemas.probeServers.response.parse(result.ok ? result.value : null);
    expect(value).toEqual([
      serverProbeSchema.parse({ server: sipAddress, rttMs: value[0]?.rttMs, error: null }),
      { server: '127.0.0.1:9', rttMs: null, error: 'no answer within 0.4 s' },
    ]);
    expect(value[0]?.rttMs).toEqual(expect.any(Number));
  });

  it.each([
    ['an empty list', { servers: [] }],
    ['too many servers', { servers: Array(MAX_PROBED_SERVERS + 1).fill('a.voip.ms') }],
    ['a port out of range', { servers: ['montreal.voip.ms:99999'] }],
    ['port zero', { servers: ['montreal.voip.ms:0'] }],
    ['a header injection', { servers: ['montreal.voip.ms\r\nVia: x'] }],
    ['a URI', { servers: ['sip:montreal.voip.ms'] }],
    ['an extra field', { servers: ['montreal.voip.ms'], deadlineMs: 60_000 }],
  ])('refuses %s', async (_name, payload) => {
    expect(await route('probeServers', payload, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
  });

  it('accepts the most servers the contract allows', () => {
    const servers = Array.from({ length: MAX_PROBED_SERVERS }, (_, i) => `pop${i}.voip.ms:5060`);
    expect(invokeSchemas.probeServers.request.safeParse({ servers }).success).toBe(true);
  });
});
