import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { startLabAlgProxy } from './support/alg-proxy.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import { header, LAB_PASSWORD, LAB_USER, REPO, startCoturn, startSipp } from './support/peers.js';
import type { AlgRunnerReport } from './support/sip-alg-runner.js';

const skip = announceSkip('lab: SIP ALG', labUnavailableReason(['sipp', 'turnserver']));
installLabCleanup();

const RUNNER = join(REPO, 'dist/test/lab/support/sip-alg-runner.js');
const STUN = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];

interface RunnerResult {
  code: number | null;
  report: AlgRunnerReport | null;
  stderr: string;
}

/** The engine in the client namespace registers at `server` and judges its own trace. */
function checkAlg(lab: Lab, server: string, extraArgs: string[] = []): Promise<RunnerResult> {
  const child = lab.spawn(
    lab.client,
    process.execPath,
    [RUNNER, '--server', server, '--user', LAB_USER, ...STUN, ...extraArgs],
    { NATTER_PASSWORD: LAB_PASSWORD },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolveRun) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      let report: AlgRunnerReport | null = null;
      try {
        report = JSON.parse(stdout) as AlgRunnerReport;
      } catch {
        report = null;
      }
      resolveRun({ code, report, stderr: stderr + stdout });
    });
  });
}

describe.skipIf(skip)('SIP ALG detection', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it('a middlebox rewriting the Contact to port 5060 is detected, two clients kept apart', async () => {
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    const sipp = await startSipp(lab, 'provider-registrar.xml');
    const alg = await startLabAlgProxy(lab);
    const server = `${alg.address.address}:${alg.address.port}`;
    // Two phones at once: each must get its own answers back through the relay.
    const ports = [40312, 40314];
    const runs = await Promise.all(
      ports.map((port) => checkAlg(lab!, server, ['--local-port', String(port)])),
    );

    expect(new Set(alg.flows()).size, alg.output()).toBe(2);
    for (const [i, run] of runs.entries()) {
      const port = ports[i]!;
      const report = run.report;
      expect(report, run.stderr).not.toBeNull();
      expect(run.code, run.stderr).toBe(0);
      expect(report!.stunMapped).toEqual({ address: PUBLIC.router, port });
      const finding = report!.finding!;
      expect(finding.detected, JSON.stringify(finding, null, 2)).toBe(true);
      const contactReason = finding.reasons.find((r) => r.startsWith('Contact rewritten'));
      expect(contactReason, finding.reasons.join('\n')).toBeDefined();
      expect(contactReason).toContain(`<sip:${LAB_USER}@${PUBLIC.router}:${port};transport=udp>`);
      expect(contactReason).toContain(`<sip:${LAB_USER}@${PUBLIC.router}:5060;transport=udp>`);
      expect(finding.evidence.registrations).toMatchObject([
        {
          status: 200,
          sentContact: [`<sip:${LAB_USER}@${PUBLIC.router}:${port};transport=udp>;expires=300`],
          echoedContact: [`<sip:${LAB_USER}@${PUBLIC.router}:5060;transport=udp>;expires=300`],
        },
      ]);
      expect(JSON.stringify(finding)).not.toMatch(/response="[0-9a-f]{32}"/);
    }
    // The rewrite happened on the wire: the provider itself received port 5060.
    const registered = sipp
      .messages()
      .filter((m) => m.direction === 'received' && m.startLine.startsWith('REGISTER'))
      .map((m) => header(m.text, 'Contact'));
    expect(registered.length).toBeGreaterThanOrEqual(4);
    for (const contact of registered) expect(contact).toContain(`@${PUBLIC.router}:5060;`);
    expect(alg.rewrites().length).toBeGreaterThanOrEqual(registered.length);
  }, 90_000);

  it('the same registration straight to the provider is not an ALG', async () => {
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    await startSipp(lab, 'provider-registrar.xml');
    const run = await checkAlg(lab, `${PUBLIC.provider}:5060`, ['--local-port', '40312']);
    const report = run.report;
    expect(report, run.stderr).not.toBeNull();
    expect(report!.registration.state, run.stderr).toBe('registered');
    const finding = report!.finding!;
    expect(finding.detected, finding.reasons.join('\n')).toBe(false);
    expect(finding.reasons).toEqual([]);
    const contact = `<sip:${LAB_USER}@${PUBLIC.router}:40312;transport=udp>`;
    expect(finding.evidence.registrations).toMatchObject([
      { sentContact: [`${contact};expires=300`], echoedContact: [`${contact};expires=300`] },
    ]);
    expect(finding.evidence.stunMapped).toBe(`${PUBLIC.router}:40312`);
  }, 60_000);

  it('a middlebox stripping rport is detected even though the Contact survives', async () => {
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    await startSipp(lab, 'provider-registrar.xml');
    const alg = await startLabAlgProxy(lab, { stripRport: true, contactPort: 40312 });
    const run = await checkAlg(lab, `${alg.address.address}:${alg.address.port}`, [
      '--local-port',
      '40312',
    ]);
    const finding = run.report?.finding;
    expect(finding, run.stderr).toBeTruthy();
    expect(finding!.detected, JSON.stringify(finding, null, 2)).toBe(true);
    // The relay wrote the right port back into the Contact: only the Via shows the ALG.
    expect(finding!.reasons.some((r) => r.startsWith('Contact rewritten'))).toBe(false);
    expect(finding!.reasons).toContainEqual(expect.stringMatching(/^rport stripped/));
  }, 60_000);

  it('a middlebox rewriting the Via sent-by is detected from the Via the registrar echoes', async () => {
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    await startSipp(lab, 'provider-registrar.xml');
    const alg = await startLabAlgProxy(lab, { rewriteVia: true, contactPort: 40312 });
    // sip.js drops responses whose Via carries a port, so even the challenge never gets through
    // and registering ends at Timer F: a short T1 keeps that wait short.
    const run = await checkAlg(lab, `${alg.address.address}:${alg.address.port}`, [
      '--local-port',
      '40312',
      '--t1',
      '100',
    ]);
    const finding = run.report?.finding;
    expect(finding, run.stderr).toBeTruthy();
    expect(finding!.detected, JSON.stringify(finding, null, 2)).toBe(true);
    expect(finding!.reasons).toEqual([
      expect.stringContaining(`sent-by ${PUBLIC.router} to ${PUBLIC.router}:40312`),
    ]);
    expect(finding!.reasons[0]).toMatch(/^Via rewritten/);
    expect(run.report!.registration.state).not.toBe('registered');
  }, 60_000);
});
