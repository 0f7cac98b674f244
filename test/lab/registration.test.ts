import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  header,
  sipPackets,
  sipRequests,
  startCapture,
  transactionKey,
} from './support/capture.js';
import { createLab, installLabCleanup, Lab, PUBLIC } from './support/netns-lab.js';
import { delay, LAB_USER, runNatter, startSipp } from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip('lab: registration', labUnavailableReason(['sipp', 'tshark']));
installLabCleanup();

describe.skipIf(skip)('registration errors', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it('a wrong password stops after one challenge round, with a clear error', async () => {
    lab = createLab({ nat: 'cone' });
    const sipp = await startSipp(lab, 'provider-strict.xml');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(
      lab,
      [
        'call',
        '4443',
        '--server',
        `${PUBLIC.provider}:5060`,
        '--user',
        LAB_USER,
        '--no-stun',
        '--json',
      ],
      { env: { NATTER_PASSWORD: 'not-the-password' } },
    );
    // Give a retry storm the time to show itself before counting.
    await delay(3000);
    const packets = await wire.stop();
    const report = run.json as unknown as CallReportJson;
    expect(report).toMatchObject({ registered: false, answered: false, invite: null });
    expect(report.error?.code).toBe('auth-failed');
    expect(run.stderr).toMatch(/password/i);
    expect(run.stderr).not.toContain('not-the-password');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.code).not.toBe(0);

    // On the wire: one unauthenticated REGISTER, one answer to the challenge, and nothing after
    // the second 401 but retransmissions of those two (byte-identical copies).
    const registers = sipRequests(packets, 'REGISTER');
    const wire401 = sipPackets(packets).filter((m) => m.status === 401);
    const trace = registers.map((m) => `${m.time.toFixed(3)} ${m.cseq?.number ?? ''}`).join('\n');
    expect(new Set(registers.map(transactionKey)).size, trace).toBe(2);
    expect(new Set(registers.map((m) => m.text)).size, trace).toBe(2);
    expect(header(registers[0]!.text, 'Authorization')).toBeNull();
    expect(header(registers.at(-1)!.text, 'Authorization')).toMatch(/^Digest /);
    expect(wire401).toHaveLength(2);
    expect(
      registers.every((m) => m.time <= wire401[1]!.time),
      trace,
    ).toBe(true);
    // sipp's own log agrees on what arrived.
    const received = sipp
      .messages()
      .filter((m) => m.direction === 'received' && m.startLine.startsWith('REGISTER'));
    expect(received).toHaveLength(registers.length);
    expect(packets.some((p) => p.payload.toString('latin1').startsWith('INVITE'))).toBe(false);
  });

  it('refreshes the registration before the lifetime the registrar granted runs out', async () => {
    lab = Lab.create({ nat: 'cone' });
    const sipp = await startSipp(lab, 'provider-strict.xml', { calls: 50, expiresSeconds: 6 });
    const run = await runNatter(lab, [
      'listen',
      '--server',
      `${PUBLIC.provider}:5060`,
      '--user',
      LAB_USER,
      '--no-stun',
      '--seconds',
      '14',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const accepted = sipp
      .messages()
      .filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 200'))
      .map((m) => /^CSeq:\s*(\d+) REGISTER/im.exec(m.text)?.[1])
      .filter((cseq): cseq is string => cseq !== undefined);
    // The first registration and at least two refreshes (at 85 % of 6 s), in CSeq order.
    expect(new Set(accepted).size).toBeGreaterThanOrEqual(3);
    const numbers = [...new Set(accepted)].map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  }, 60_000);

  it('a registrar that never answers: a timeout error, bounded in time', async () => {
    lab = Lab.create({ nat: 'cone' });
    const run = await runNatter(lab, [
      'listen',
      '--server',
      `${PUBLIC.silent}:5060`,
      '--user',
      LAB_USER,
      '--no-stun',
      '--json',
    ]);
    const report = run.json as unknown as { registered: boolean; error?: { code: string } };
    expect(report.registered).toBe(false);
    expect(report.error?.code).toBe('timeout');
    expect(run.code).not.toBe(0);
    expect(run.elapsedMs).toBeLessThan(40_000);
  }, 60_000);
});
