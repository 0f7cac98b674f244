import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src-main/cli/main.js';

let stdout = '';
let stderr = '';

beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.NATTER_PASSWORD;
});

describe('natter CLI failures: a clear one-line reason and a non-zero exit', () => {
  it('a missing password', async () => {
    const code = await main([
      'call',
      '4443',
      '--server',
      'atlanta.voip.ms',
      '--user',
      '123456_home',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/NATTER_PASSWORD/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a bad port', async () => {
    const code = await main(['listen', '--server', 'atlanta.voip.ms:0', '--user', 'u', '--json']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/port/);
    expect(stdout).toBe('');
  });

  it('keypad digits that are not, a method that does not exist, or --dtmf on listen: usage errors', async () => {
    const account = ['--server', 'a.voip.ms', '--user', 'u'];
    expect(await main(['call', '4747', ...account, '--dtmf', '12x'])).toBe(2);
    expect(stderr).toMatch(/--dtmf 12x: expected up to 32 keypad digits/);
    expect(await main(['call', '4747', ...account, '--dtmf', '1', '--dtmf-method', 'info'])).toBe(
      2,
    );
    expect(stderr).toMatch(/--dtmf-method info: expected auto, rfc4733, sip-info or inband/);
    expect(await main(['listen', ...account, '--dtmf', '1'])).toBe(2);
    expect(stderr).toMatch(/--dtmf and --dtmf-method are for call/);
  });

  it('a bad --srtp value: usage error, exit 2', async () => {
    const code = await main([
      'call',
      '4443',
      '--server',
      'a.voip.ms',
      '--user',
      'u',
      '--srtp',
      'on',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--srtp on: expected off, optional, required/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unknown host, reported in the one JSON object', async () => {
    process.env.NATTER_PASSWORD = 'secret';
    const code = await main([
      'call',
      '4443',
      '--server',
      'no-such-pop.invalid',
      '--user',
      '123456_home',
      '--no-stun',
      '--json',
    ]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { registered: boolean; error: { code: string } };
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(report.registered).toBe(false);
    expect(report.error.code).toMatch(/unknown-host|dns-timeout/);
    expect(stderr).toMatch(/no-such-pop\.invalid/);
  }, 15_000);

  it('help and version', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(stdout).toMatch(/natter nat/);
    stdout = '';
    expect(await main(['--version'])).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
