/**
 * `natter call --dtmf` against sipp on loopback, as Asterisk set to SIP INFO DTMF: the answer
 * to 4444 carries no telephone-event, so the digits go as INFO application/dtmf-relay, and the
 * JSON report says so. Asked for RFC 4733 events only, the same call reports them not sent and
 * the run exits 1.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src-main/cli/main.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
} from './support/peers.js';

const skip = announceSkip('lab: natter call --dtmf', hasCommand('sipp') ? null : 'needs sipp');

const running: ChildProcess[] = [];
let stdout = '';

beforeEach(() => {
  stdout = '';
  process.env.NATTER_PASSWORD = LAB_PASSWORD;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.NATTER_PASSWORD;
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

async function provider(): Promise<LoopbackSipp> {
  // The echo gives the call its audio both ways, which `call` requires for exit 0.
  const sipp = await startLoopbackSipp('provider-takes-info-dtmf.xml', ['-rtp_echo']);
  running.push(sipp.child);
  return sipp;
}

const callArgs = (sipp: LoopbackSipp, ...extra: string[]) => [
  'call',
  '4444',
  '--server',
  `127.0.0.1:${sipp.port}`,
  '--user',
  LAB_USER,
  '--no-stun',
  '--local-address',
  '127.0.0.1',
  '--seconds',
  '4',
  '--json',
  ...extra,
];

describe.skipIf(skip)('natter call --dtmf against sipp on loopback', () => {
  it('sends the digits by SIP INFO where the answer has no telephone-event, and reports the way', async () => {
    const sipp = await provider();
    const code = await main(callArgs(sipp, '--dtmf', '5#'));
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report.dtmf, stdout).toEqual({ digits: '5#', way: 'sip-info', sent: true });
    expect(code, stdout).toBe(0);
    const infos = parseSippMessageLog(sipp.log).filter(
      (m) => m.direction === 'received' && m.startLine.startsWith('INFO '),
    );
    expect(infos.map((m) => /^Signal=(.*)$/m.exec(m.text)?.[1]?.trim())).toEqual(['5', '#']);
  }, 30_000);

  it('with --dtmf-method rfc4733 on that call: not sent, said why, exit 1', async () => {
    const sipp = await provider();
    const code = await main(callArgs(sipp, '--dtmf', '5', '--dtmf-method', 'rfc4733'));
    const report = JSON.parse(stdout) as {
      dtmf?: { sent: boolean; way: string | null };
      error?: { code: string; message: string };
    };
    expect(report.dtmf, stdout).toMatchObject({ sent: false, way: null });
    expect(report.error, stdout).toMatchObject({ code: 'dtmf' });
    expect(report.error?.message).toMatch(/no telephone-event/);
    expect(code).toBe(1);
    const infos = parseSippMessageLog(sipp.log).filter(
      (m) => m.direction === 'received' && m.startLine.startsWith('INFO '),
    );
    expect(infos).toHaveLength(0);
  }, 30_000);
});
