/**
 * Digest authentication as a real registrar and proxy ask for it: Kamailio 5.6's auth module
 * challenging with SHA-256 (RFC 8760; `modparam("auth", "algorithm", "SHA-256")`) on both the
 * REGISTER (401, Authorization) and the INVITE (407, Proxy-Authorization), and nonces that expire
 * so the refresh meets `stale=true`. Judged on the provider's wire and in its location table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { header, sipPackets, startCapture } from './support/capture.js';
import { startCarrier, startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import { LAB_USER, PROVIDER_SIP_PORT, runNatter, startCoturn } from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: digest authentication against Kamailio',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'turnserver', 'tshark']),
);
installLabCleanup();

const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`];
const ACCOUNT_ARGS = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];

let lab: Lab | null = null;
afterEach(() => {
  lab?.destroy();
  lab = null;
});

const param = (value: string | null, name: string) =>
  new RegExp(`\\b${name}="?([^",\\s]+)"?`, 'i').exec(value ?? '')?.[1];

describe.skipIf(skip)('digest authentication against Kamailio', () => {
  it('answers SHA-256 challenges (401 and 407) with SHA-256, and both are accepted', async () => {
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    await startKamailio(lab, { digestAlgorithm: 'SHA-256' });
    const callee = await startCarrier(lab, 'callee');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(
      lab,
      ['call', '4443', ...ACCOUNT_ARGS, ...STUN_ARGS, '--seconds', '3', '--json'],
      { timeoutMs: 60_000 },
    );
    await callee.exited;
    const sip = sipPackets(await wire.stop());
    const report = run.json as unknown as CallReportJson;
    expect(report, run.stderr).toMatchObject({ registered: true, answered: true });

    const challenge = sip.find((m) => m.status === 401 && m.cseq?.method === 'REGISTER');
    expect(param(header(challenge!.text, 'WWW-Authenticate'), 'algorithm')).toBe('SHA-256');
    const register = sip.find(
      (m) => m.method === 'REGISTER' && header(m.text, 'Authorization') !== null,
    )!;
    const authorization = header(register.text, 'Authorization');
    expect(param(authorization, 'algorithm')).toBe('SHA-256');
    // A SHA-256 response is 64 hex digits (MD5's is 32).
    expect(param(authorization, 'response')).toMatch(/^[0-9a-f]{64}$/);
    expect(param(authorization, 'qop')).toBe('auth');
    expect(param(authorization, 'nc')).toBe('00000001');
    expect(
      sip.some(
        (m) => m.status === 200 && m.cseq?.method === 'REGISTER' && m.callId === register.callId,
      ),
    ).toBe(true);

    const proxyChallenge = sip.find((m) => m.status === 407 && m.cseq?.method === 'INVITE');
    expect(param(header(proxyChallenge!.text, 'Proxy-Authenticate'), 'algorithm')).toBe('SHA-256');
    const invite = sip
      .filter(
        (m) =>
          m.method === 'INVITE' && m.src === PUBLIC.router && m.callId === proxyChallenge!.callId,
      )
      .at(-1)!;
    const proxyAuthorization = header(invite.text, 'Proxy-Authorization');
    expect(param(proxyAuthorization, 'algorithm')).toBe('SHA-256');
    expect(param(proxyAuthorization, 'response')).toMatch(/^[0-9a-f]{64}$/);
    expect(
      sip.some(
        (m) => m.status === 200 && m.cseq?.method === 'INVITE' && m.callId === invite.callId,
      ),
    ).toBe(true);
  }, 90_000);

  it('a refresh met with stale=true is answered with the new nonce at once, and accepted', async () => {
    const nonceExpireSeconds = 10;
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    await startKamailio(lab, {
      nonceExpireSeconds,
      digestAlgorithm: 'SHA-256',
    });
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    // sip.js refreshes at 85 % of the 60 s granted (about 51 s), long after the nonce expired.
    const run = await runNatter(
      lab,
      ['listen', ...ACCOUNT_ARGS, ...STUN_ARGS, '--expires', '60', '--seconds', '56', '--json'],
      { timeoutMs: 90_000 },
    );
    const sip = sipPackets(await wire.stop());
    expect(run.json, run.stderr).toMatchObject({ registered: true });
    expect(run.stderr).not.toMatch(/wrong user name or password/);

    const stale = sip.find(
      (m) =>
        m.status === 401 &&
        m.cseq?.method === 'REGISTER' &&
        /stale=true/i.test(header(m.text, 'WWW-Authenticate') ?? ''),
    );
    const registers = sip
      .filter((m) => m.cseq?.method === 'REGISTER')
      .map(
        (m) =>
          `${m.time.toFixed(1)} ${m.startLine} | ${header(m.text, 'Authorization') ?? ''} | ${header(m.text, 'WWW-Authenticate') ?? ''}`,
      );
    expect(stale, `no stale=true challenge in:\n${registers.join('\n')}`).toBeDefined();
    const staleNonce = param(header(stale!.text, 'WWW-Authenticate'), 'nonce');
    // The next REGISTER: the new nonce, nc back to 1, sent at once (no prompt, no back-off).
    const retry = sip.find((m) => m.method === 'REGISTER' && m.time > stale!.time)!;
    const authorization = header(retry.text, 'Authorization');
    expect(param(authorization, 'nonce')).toBe(staleNonce);
    expect(param(authorization, 'nc')).toBe('00000001');
    expect(param(authorization, 'algorithm')).toBe('SHA-256');
    expect(retry.time - stale!.time).toBeLessThan(3);
    const accepted = sip.find(
      (m) =>
        m.status === 200 &&
        m.cseq?.method === 'REGISTER' &&
        m.time > retry.time &&
        Number(/expires=(\d+)/.exec(header(m.text, 'Contact') ?? '')?.[1] ?? 0) > 0,
    );
    expect(accepted, 'the REGISTER after stale=true was not accepted').toBeDefined();
  }, 120_000);
});
