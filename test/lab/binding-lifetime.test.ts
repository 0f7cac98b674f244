/**
 * The NAT doctor's binding-lifetime measurement behind a router that forgets idle UDP mappings
 * after a known time, against coturn on its two public addresses. The router's short "unreplied"
 * timeout is set well below the "stream" one that a SIP flow gets, so a probe that failed to make
 * its mapping look like an established flow would measure the wrong one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  keepaliveForLifetime,
  type BindingLifetimeResult,
} from '../../src-main/net/binding-lifetime.js';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { createLab, PUBLIC, type Lab, type NatMode } from './support/netns-lab.js';
import { REPO, startCoturn } from './support/peers.js';

const skip = announceSkip('lab: binding lifetime', labUnavailableReason(['turnserver']));

const RUNNER = join(REPO, 'dist/test/lab/support/binding-lifetime-runner.js');
/** The stream timeout: what the measurement must find. */
const LIFETIME_SECONDS = 22;
/** The timeout of a flow that has not become a stream. */
const UNREPLIED_SECONDS = 8;
/** Gaps 5, 5.95, 7.07, 8.41, 10, 11.89, 14.14, 16.82, 20, 23.78, ... 40 (ratio 1.19). */
const MIN_SECONDS = 5;
const MAX_SECONDS = 2 * 20;

interface Measured {
  result: BindingLifetimeResult;
  /** The probes as the runner printed them, with the wall-clock time each landed. */
  streamed: { probe: { gapSeconds: number; alive: boolean }; at: number }[];
  elapsedMs: number;
  stderr: string;
}

function measureInClient(lab: Lab): Promise<Measured> {
  const started = Date.now();
  const child = lab.spawn(lab.client, process.execPath, [
    RUNNER,
    `${PUBLIC.stunA}:3478`,
    String(MIN_SECONDS),
    String(MAX_SECONDS),
  ]);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), (MAX_SECONDS + 20) * 1000);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const final = lines.find((line) => 'result' in line);
      if (code !== 0 || !final) {
        reject(new Error(`runner exited ${code}: ${stderr.slice(-800)} ${stdout.slice(-800)}`));
        return;
      }
      resolve({
        result: final.result as BindingLifetimeResult,
        streamed: lines.filter((line) => 'probe' in line) as Measured['streamed'],
        elapsedMs: Date.now() - started,
        stderr,
      });
    });
  });
}

describe.skipIf(skip)('binding lifetime behind a router with a known UDP timeout', () => {
  const labs: Lab[] = [];
  afterAll(() => {
    for (const lab of labs.splice(0)) lab.destroy();
  });

  // Each measurement is half a minute of silences behind a router of its own: side by side.
  it.concurrent.each<NatMode>(['cone', 'symmetric'])(
    'nat=%s: the measured lifetime brackets the router’s stream timeout',
    async (nat) => {
      expect(existsSync(RUNNER), `${RUNNER} missing: run npm run build`).toBe(true);
      const lab = createLab({ nat, udpTimeoutSeconds: LIFETIME_SECONDS });
      labs.push(lab);
      lab.exec(lab.router, 'sysctl', [
        '-q',
        '-w',
        `net.netfilter.nf_conntrack_udp_timeout=${UNREPLIED_SECONDS}`,
      ]);
      await startCoturn(lab);
      const { result, streamed, elapsedMs, stderr } = await measureInClient(lab);

      expect(result.error, stderr).toBeNull();
      expect(result.supported).toBe(true);
      const { aliveSeconds, expiredSeconds } = result;
      if (aliveSeconds === null || expiredSeconds === null) throw new Error('no bounds');
      // The router's timeout lies between the two, and both are within 25 % of it.
      expect(aliveSeconds).toBeLessThan(LIFETIME_SECONDS);
      expect(expiredSeconds).toBeGreaterThan(LIFETIME_SECONDS);
      expect(aliveSeconds).toBeGreaterThanOrEqual(LIFETIME_SECONDS * 0.75);
      expect(expiredSeconds).toBeLessThanOrEqual(LIFETIME_SECONDS * 1.25);
      // Every shorter gap survived, every longer one measured had expired: no stray answers.
      for (const probe of result.probes) {
        expect(probe.alive).toBe(probe.gapSeconds <= aliveSeconds);
      }
      expect(result.probes.filter((probe) => probe.alive).length).toBeGreaterThanOrEqual(8);
      const keepalive = keepaliveForLifetime(result);
      expect(keepalive).not.toBeNull();
      expect(keepalive ?? Infinity).toBeLessThan(LIFETIME_SECONDS * 0.75);

      // The caller saw each probe as it landed, seconds apart, not all at the end.
      expect(streamed.map((line) => line.probe)).toEqual(result.probes);
      const landedAt = streamed.map((line) => line.at);
      expect((landedAt.at(-1) ?? 0) - (landedAt[0] ?? 0)).toBeGreaterThan(
        (expiredSeconds - MIN_SECONDS) * 1000,
      );
      // In parallel, and stopped after two expired gaps: well under the 40 s of the longest gap.
      expect(elapsedMs).toBeLessThan(MAX_SECONDS * 1000);
    },
    90_000,
  );
});
