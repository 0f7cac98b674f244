/**
 * The doctor and the SIP trace as main serves them, through the IPC router: the app's engine
 * registers with digest auth against a small registrar on loopback, its messages land in the trace
 * redacted (and still reach any hook the shell passed), and the doctor (a stand-in here: the real
 * one is covered by its own tests and the end-to-end run) streams steps as app events.
 */
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import type { DoctorRoutine } from '../../../src-main/app/doctor-runner.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import type { DoctorOptions } from '../../../src-main/engine/doctor/doctor.js';
import type { DoctorReport, DoctorStep } from '../../../src-shared/doctor.js';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { invokeSchemas } from '../../../src-shared/ipc-contract.js';
import { STUN_PRESETS } from '../../../src-shared/settings.js';
import { plainCipher } from '../../support/ciphers.js';

const APP = 'file:///opt/natter/renderer/index.html';
const PASSWORD = 'not-in-any-trace-9';
const cipher = plainCipher;

const STEPS: DoctorStep[] = [
  { id: 'reachability', status: 'pass', summary: 'registered', evidence: {}, durationMs: 5 },
  { id: 'nat', status: 'pass', summary: 'no NAT', evidence: { natType: 'open' }, durationMs: 9 },
];
const REPORT: DoctorReport = {
  steps: STEPS,
  verdict: { code: 'provider-handles-nat', message: 'Your provider handles NAT.' },
  fix: { stunServers: [], keepaliveSeconds: 20 },
  applied: null,
  twoWayFound: true,
};

let service: AppService;
let route: ReturnType<typeof createIpcRouter>;
let registrar: dgram.Socket;
const rawTrace: string[] = [];
const doctor = vi.fn<DoctorRoutine>(async (_options, onStep) => {
  for (const step of STEPS) onStep(step);
  return REPORT;
});

/** A registrar that challenges, then accepts any credentials, answering to Via received/rport. */
function startRegistrar(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (datagram, rinfo) => {
    const request = datagram.toString('utf8');
    if (!request.startsWith('REGISTER')) return;
    const copy = (name: string) => new RegExp(`^${name}: .*$`, 'mi').exec(request)?.[0] ?? '';
    const authorized = /^Authorization: Digest /m.test(request);
    const contact = /^Contact: (.*)$/im.exec(request)?.[1] ?? '';
    const response = [
      authorized ? 'SIP/2.0 200 OK' : 'SIP/2.0 401 Unauthorized',
      `${copy('Via')};received=${rinfo.address};rport=${rinfo.port}`.replace(/;rport(?=;|$)/, ''),
      copy('From'),
      `${copy('To')};tag=reg1`,
      copy('Call-ID'),
      copy('CSeq'),
      authorized
        ? `Contact: ${contact.replace(/;expires=\d+/, '')};expires=300`
        : 'WWW-Authenticate: Digest realm="lab.voip.test", nonce="n0nce4711", algorithm=MD5',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    socket.send(response, rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}

beforeAll(async () => {
  registrar = await startRegistrar();
  const dir = mkdtempSync(join(tmpdir(), 'natter-doctor-trace-'));
  const store = new SettingsStore(join(dir, 'settings.json'), cipher);
  await store.load();
  await store.update({
    account: { server: `127.0.0.1:${registrar.address().port}`, user: '123456_home' },
    password: PASSWORD,
    stunServers: ['127.0.0.1:9'],
    keepaliveSeconds: 0,
  });
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  service = createAppService({
    store,
    history,
    hooks: { onTrace: (_direction, message) => rawTrace.push(message) },
    probes: { doctor: { run: doctor } },
  });
  service.engine.configure({ localAddress: '127.0.0.1', stunServers: [] });
  route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (url) => url === APP });
  await service.start();
});

afterAll(async () => {
  await service?.stop();
  registrar?.close();
});

describe('getSipTrace over IPC', () => {
  it('lists the registration both ways, the Authorization reduced to who asked for what', async () => {
    const result = await route('getSipTrace', {}, APP);
    if (!result.ok) throw new Error(result.error.message);
    const entries = invokeSchemas.getSipTrace.response.parse(result.value);
    const firstLines = entries.map((entry) => entry.message.split('\r\n')[0]);
    expect(firstLines.slice(0, 4)).toEqual([
      expect.stringMatching(/^REGISTER sip:127\.0\.0\.1/),
      'SIP/2.0 401 Unauthorized',
      expect.stringMatching(/^REGISTER sip:127\.0\.0\.1/),
      'SIP/2.0 200 OK',
    ]);
    expect(entries.slice(0, 4).map((entry) => entry.direction)).toEqual(['out', 'in', 'out', 'in']);
    const port = registrar.address().port;
    expect(entries[0]?.peer).toEqual<TransportAddress>({ address: '127.0.0.1', port });
    const authorization = /^Authorization: .*$/m.exec(entries[2]?.message ?? '')?.[0];
    expect(authorization).toMatch(
      /^Authorization: Digest username="123456_home", realm="lab\.voip\.test", uri="sip:127\.0\.0\.1:\d+" \(response and nonce removed\)$/,
    );
    const everything = JSON.stringify(entries);
    expect(everything).not.toMatch(/response="/);
    expect(everything).not.toContain('n0nce4711",');
    expect(everything).not.toContain(PASSWORD);
  });

  it('still hands the shell’s own trace hook every message, untouched', () => {
    expect(rawTrace.some((message) => /response="[0-9a-f]{32}"/.test(message))).toBe(true);
  });

  it('refuses a request with fields', async () => {
    expect(await route('getSipTrace', { limit: 5 }, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
  });
});

describe('runDoctor and applyDoctorFix over IPC', () => {
  it('refuses malformed requests before the doctor starts', async () => {
    for (const payload of [
      { full: 'yes' },
      { echo: '4443;rm' },
      { full: false, password: 'x' },
      null,
    ]) {
      expect(await route('runDoctor', payload, APP)).toMatchObject({
        ok: false,
        error: { code: 'bad-payload' },
      });
    }
    expect(await route('applyDoctorFix', { stunServers: ['evil.example'] }, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
    expect(doctor).not.toHaveBeenCalled();
  });

  it('runs the doctor with the saved account and streams its steps as app events', async () => {
    const landed: DoctorStep[] = [];
    const off = service.on('doctorStep', (step) => landed.push(step));
    const result = await route('runDoctor', {}, APP);
    off();
    if (!result.ok) throw new Error(result.error.message);
    expect(invokeSchemas.runDoctor.response.parse(result.value)).toEqual(REPORT);
    expect(landed).toEqual(STEPS);
    const options = doctor.mock.calls[0]?.[0] as DoctorOptions;
    expect(options).toMatchObject({
      account: { user: '123456_home' },
      password: PASSWORD,
      echo: '4443',
      full: false,
      localAddress: '127.0.0.1',
      // One saved server is not enough to tell cone from symmetric: a preset joins it.
      stunServers: ['127.0.0.1:9', STUN_PRESETS[0].server],
    });
  });

  it('applies the fix to the settings file and the engine, and the app stays registered', async () => {
    const result = await route('applyDoctorFix', {}, APP);
    if (!result.ok) throw new Error(result.error.message);
    const { settings, applied } = invokeSchemas.applyDoctorFix.response.parse(result.value);
    expect(applied).toEqual(REPORT.fix);
    expect(settings.stunServers).toEqual([]);
    expect(settings.keepaliveSeconds).toBe(20);
    expect(service.engine.engineOptions.stunServers).toEqual([]);
    expect(service.engine.engineOptions.keepaliveSeconds).toBe(20);
    const snapshot = await service.engine.invoke('snapshot', {});
    expect(snapshot.registration.state).toBe('registered');
  });
});
