import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  faultLine,
  installFaultNet,
  PRINTED_FAULTS_MAX,
  type RejectionSource,
} from '../../../src-main/cli/fault-net.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function fakeProcess() {
  const emitter = new EventEmitter();
  const source: RejectionSource = {
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
  };
  return { source, reject: (reason: unknown) => emitter.emit('unhandledRejection', reason) };
}

describe('the CLI fault net', () => {
  it('says each fault once, with its place, and counts every one', () => {
    const { source, reject } = fakeProcess();
    const lines: string[] = [];
    const net = installFaultNet(source, (line) => lines.push(line));
    const fault = new Error('socket closed');
    reject(fault);
    reject(fault);
    reject('not an error');
    expect(net.caught).toBe(3);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^natter: internal fault \(kept running\): Error: socket closed \(at /,
    );
    expect(lines[1]).toBe(
      'natter: internal fault (kept running): a promise was rejected with "not an error"',
    );
  });

  it('falls silent after a few distinct faults, so a fault per packet cannot flood stderr', () => {
    const { source, reject } = fakeProcess();
    const lines: string[] = [];
    const net = installFaultNet(source, (line) => lines.push(line));
    for (let packet = 0; packet < 1_000; packet++) reject(new Error(`fault ${packet}`));
    expect(net.caught).toBe(1_000);
    expect(lines).toHaveLength(PRINTED_FAULTS_MAX + 1);
    expect(lines.at(-1)).toBe('natter: more internal faults follow; they are not printed');
  });

  it('names the first frame in Natter’s own code, not the runtime’s', () => {
    const fault = new Error('boom');
    fault.stack = [
      'Error: boom',
      '    at processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at SipAccount.refresh (/opt/natter/dist/src-main/engine/sip-account.js:120:9)',
    ].join('\n');
    expect(faultLine(fault)).toBe(
      'Error: boom (at SipAccount.refresh (/opt/natter/dist/src-main/engine/sip-account.js:120:9))',
    );
    expect(faultLine(null)).toBe('a promise was rejected with null');
  });

  it('once removed, leaves rejections to Node', () => {
    const { source, reject } = fakeProcess();
    const lines: string[] = [];
    const net = installFaultNet(source, (line) => lines.push(line));
    net.remove();
    reject(new Error('after'));
    expect(net.caught).toBe(0);
    expect(lines).toEqual([]);
  });

  it('keeps bin/natter.js running to its own answer through a rejection nobody handled', async () => {
    // Without the net Node ends the process at the rejection: no JSON, Node's own stack trace.
    const child = spawn(
      process.execPath,
      [
        '--import',
        `${REPO}test/fixtures/cli/reject-once-net-is-up.mjs`,
        `${REPO}bin/natter.js`,
        'nat',
        '--stun',
        '127.0.0.1:9',
        '--json',
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toMatch(
      /natter: internal fault \(kept running\): Error: a fault nobody handled/,
    );
    // The command finished its work: a dead STUN server is exit 1 with its report.
    expect(JSON.parse(stdout)).toMatchObject({ natType: 'blocked', mapped: null });
    expect(stderr).toMatch(/no STUN server answered/);
    expect(code).toBe(1);
  }, 20_000);
});
