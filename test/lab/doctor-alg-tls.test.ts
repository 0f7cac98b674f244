/**
 * The doctor's cure for a SIP ALG, with real peers: Kamailio (UDP and TLS, a CA made for the run)
 * behind the lab's ALG middlebox, which rewrites the Contact of SIP over UDP to port 5060 and
 * relays TCP on 5061 through the same rewrite, which finds nothing to read in TLS. Registration
 * over UDP breaks; over TLS it works, so `natter doctor` recommends TLS and `--apply` saves it.
 * The control has no TLS on the registrar: the doctor keeps its ALG advice and says why.
 * Judged on the provider's side: what Kamailio stored, what the carrier's callee was sent, and
 * what passed through the middlebox.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import type { DoctorReport } from '../../src-shared/doctor.js';
import { makeTestCa, type TestCa, type IssuedCertificate } from '../support/test-ca.js';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { ALG_PROXY_ADDRESS, ALG_TLS_PORT, startLabAlgProxy } from './support/alg-proxy.js';
import {
  PROVIDER_TLS_PORT,
  startCarrier,
  startKamailio,
  type LocationContact,
} from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import { LAB_USER, PROVIDER_SIP_PORT, runNatter, startCoturn } from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: the doctor cures a SIP ALG with TLS',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'turnserver', 'openssl']),
);
installLabCleanup();

const STUN_SERVERS = [`${PUBLIC.stunA}:3478`, `${PUBLIC.stunB}:3478`];
const STUN = STUN_SERVERS.flatMap((server) => ['--stun', server]);

let made: { ca: TestCa; cert: IssuedCertificate } | null = null;
/** A CA for the run and a certificate naming the address the phone is configured with. */
function certificates(): { ca: TestCa; cert: IssuedCertificate } {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'natter-lab-ca-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const ca = makeTestCa(dir, 'lab-ca');
  made = { ca, cert: ca.issue('alg', [ALG_PROXY_ADDRESS, PUBLIC.provider]) };
  return made;
}

/** Kamailio behind the ALG middlebox; with `tls` false the registrar has no TLS at all. */
async function algLab(test: TestContext, tls: boolean) {
  const lab: Lab = createLab({ nat: 'cone' });
  test.onTestFinished(() => lab.destroy());
  await startCoturn(lab);
  const { cert } = certificates();
  const kamailio = await startKamailio(
    lab,
    tls ? { tls: { certFile: cert.certFile, keyFile: cert.keyFile } } : {},
  );
  const alg = await startLabAlgProxy(lab, {
    upstream: { address: PUBLIC.provider, port: PROVIDER_SIP_PORT },
    tlsUpstream: { address: PUBLIC.provider, port: PROVIDER_TLS_PORT },
  });
  const settingsFile = join(mkdtempSync(join(tmpdir(), 'natter-doctor-')), 'settings.json');
  return { lab, kamailio, alg, settingsFile };
}

function doctor(lab: Lab, settingsFile: string) {
  return runNatter(lab, [
    'doctor',
    '--server',
    ALG_PROXY_ADDRESS,
    '--user',
    LAB_USER,
    ...STUN,
    '--ca',
    certificates().ca.caFile,
    '--ring-seconds',
    '10',
    '--apply',
    '--settings',
    settingsFile,
    '--json',
  ]);
}

const trailOf = (report: DoctorReport) =>
  report.steps.map((step) => `${step.id}: ${step.status} ${step.summary}`).join('\n');

describe.skipIf(skip).concurrent('the doctor gets around a SIP ALG with SIP over TLS', () => {
  it('UDP registration breaks behind the ALG, TLS works: the doctor recommends TLS and --apply saves it', async (test) => {
    const { lab, kamailio, alg, settingsFile } = await algLab(test, true);
    const callee = await startCarrier(lab, 'callee');
    // The test phones un-REGISTER when done: what Kamailio stored is sampled while it runs.
    const stored = new Map<string, LocationContact>();
    const sampler = setInterval(() => {
      for (const contact of kamailio.location()) stored.set(contact.address, contact);
    }, 200);
    const run = await doctor(lab, settingsFile).finally(() => clearInterval(sampler));
    await callee.exited;
    expect(run.json, `${run.stderr}\n${run.stdout}`).not.toBeNull();
    const report = run.json as unknown as DoctorReport;
    const trail = `${trailOf(report)}\n${kamailio.output().slice(-1500)}`;

    // Over UDP the ALG broke registration: the registrar stored the rewritten Contact.
    expect(report.steps.find((s) => s.id === 'reachability')?.status, trail).toBe('fail');
    const algStep = report.steps.find((s) => s.id === 'alg');
    expect(algStep?.status, trail).toBe('fail');
    expect(algStep?.summary).toMatch(/Contact rewritten/);
    expect(alg.rewrites().some((r) => r.changes.some((c) => c.includes(':5060')))).toBe(true);
    const contacts = [...stored.values()];
    expect(
      contacts.some((c) => /transport=udp/.test(c.address) && c.hostPort?.port === 5060),
      JSON.stringify(contacts),
    ).toBe(true);

    // Over TLS the same registrar got our own Contact and the test call went through.
    expect(report.alg, trail).toEqual({
      detected: true,
      tls: {
        tried: true,
        server: `${ALG_PROXY_ADDRESS}:${ALG_TLS_PORT}`,
        registered: true,
        audio: true,
        error: null,
      },
    });
    expect(
      contacts.some((c) => /transport=tls/.test(c.address)),
      JSON.stringify(contacts),
    ).toBe(true);
    const invite = callee
      .messages()
      .find((m) => m.direction === 'received' && /^INVITE /.test(m.text));
    expect(invite, callee.output().slice(-1500)).toBeDefined();
    // The middlebox carried the TLS connection and could rewrite nothing in it.
    const streams = alg.streams();
    expect(streams.length, alg.output()).toBeGreaterThan(0);
    expect(streams.every((s) => s.rewrites === 0)).toBe(true);
    expect(streams.some((s) => s.bytesUp > 1000 && s.bytesDown > 1000)).toBe(true);

    expect(report.verdict, trail).toEqual({
      code: 'alg-tls-fixes',
      message: "Your router's SIP ALG cannot read encrypted traffic: switch to SIP over TLS.",
    });
    expect(report.twoWayFound).toBe(true);
    expect(run.code).toBe(0);
    expect(report.fix?.sipTransport).toBe('tls');
    expect(report.applied?.sipTransport).toBe('tls');
    const saved = JSON.parse(readFileSync(settingsFile, 'utf8')) as {
      settings: { sipTransport: string; tlsCaFile: string | null };
    };
    expect(saved.settings.sipTransport).toBe('tls');
    expect(saved.settings.tlsCaFile).toBe(certificates().ca.caFile);

    // The flags the doctor names give a call with audio both ways behind the same ALG.
    const secondCallee = await startCarrier(lab, 'callee');
    const call = await runNatter(lab, [
      'call',
      '4443',
      '--server',
      ALG_PROXY_ADDRESS,
      '--user',
      LAB_USER,
      ...STUN,
      '--transport',
      'tls',
      '--ca',
      certificates().ca.caFile,
      '--seconds',
      '3',
      '--json',
    ]);
    await secondCallee.exited;
    const callReport = call.json as unknown as CallReportJson;
    expect(callReport, call.stderr).toMatchObject({ registered: true, oneWayAudio: false });
    expect(callReport.rtp.received).toBeGreaterThan(50);
  }, 150_000);

  it('control: no TLS on the registrar, so the doctor keeps its ALG advice and says why', async (test) => {
    const { lab, alg, settingsFile } = await algLab(test, false);
    const run = await doctor(lab, settingsFile);
    expect(run.json, `${run.stderr}\n${run.stdout}`).not.toBeNull();
    const report = run.json as unknown as DoctorReport;
    const trail = trailOf(report);
    expect(report.verdict.code, trail).toBe('alg-detected');
    expect(report.verdict.message).toMatch(/disable SIP ALG/);
    expect(report.alg?.tls).toMatchObject({ tried: true, registered: false, audio: false });
    expect(report.alg?.tls.error).toMatch(/5061/);
    expect(report.notes?.some((note) => /SIP over TLS .*did not register/.test(note))).toBe(true);
    expect(report.fix?.sipTransport).toBeUndefined();
    expect(report.applied?.sipTransport).toBeUndefined();
    if (existsSync(settingsFile)) {
      expect(readFileSync(settingsFile, 'utf8')).not.toMatch(/"sipTransport":\s*"tls"/);
    }
    // The phone did try: the middlebox saw its connection, which the registrar refused.
    expect(alg.streams().length, alg.output()).toBeGreaterThan(0);
    expect(alg.streams().every((s) => s.bytesDown === 0)).toBe(true);
    expect(run.code).toBe(1);
  }, 150_000);
});
