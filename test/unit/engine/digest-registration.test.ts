/**
 * The engine's digest authentication against a registrar on loopback that checks the answers
 * with its own RFC 7616 computation: the strongest of several challenges is answered, a stale
 * nonce is answered again without counting as a wrong password (and the control: the same
 * re-challenge without `stale=true` is a refusal), and an INVITE's 407 gets Proxy-Authorization.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NatterEngine } from '../../../src-main/engine/natter-engine.js';
import { startDigestRegistrar, type DigestRegistrar } from '../../support/digest-registrar.js';

const USER = '123456_home';
const PASSWORD = 'digest-pw-31';

let engine: NatterEngine | null = null;
let registrar: DigestRegistrar | null = null;

afterEach(async () => {
  await engine?.shutdown();
  registrar?.close();
  engine = null;
  registrar = null;
});

async function register(options: Parameters<typeof startDigestRegistrar>[0]) {
  registrar = await startDigestRegistrar(options);
  engine = new NatterEngine({
    localAddress: '127.0.0.1',
    stunServers: [],
    keepaliveSeconds: 0,
  });
  const registration = await engine.invoke('register', {
    account: { server: `127.0.0.1:${registrar.port}`, user: USER },
    password: PASSWORD,
  });
  return { registration, registrar };
}

describe('digest authentication against a checking registrar', () => {
  it('answers the SHA-256 challenge when MD5 is offered first, and is registered', async () => {
    const { registration, registrar } = await register({
      user: USER,
      password: PASSWORD,
      algorithms: ['MD5', 'SHA-256'],
    });
    expect(registration.state, JSON.stringify(registration.error)).toBe('registered');
    const authorized = registrar.requests.filter((r) => r.credentials);
    expect(authorized).toHaveLength(1);
    expect(authorized[0]!.credentials).toMatchObject({
      valid: true,
      params: { algorithm: 'SHA-256', qop: 'auth', nc: '00000001' },
    });
    expect(authorized[0]!.credentials!.params.cnonce).toMatch(/^[0-9a-f]{24}$/);
  });

  it('answers SHA-512-256 (RFC 8760) as well', async () => {
    const { registration, registrar } = await register({
      user: USER,
      password: PASSWORD,
      algorithms: ['SHA-512-256'],
    });
    expect(registration.state).toBe('registered');
    expect(registrar.requests.at(-1)!.credentials).toMatchObject({ valid: true });
  });

  it('a stale nonce is answered with the new one, no wrong-password verdict', async () => {
    const { registration, registrar } = await register({
      user: USER,
      password: PASSWORD,
      algorithms: ['SHA-256'],
      staleAfter: 0,
    });
    expect(
      registration.state,
      JSON.stringify({ requests: registrar.requests, sent: registrar.sent }),
    ).toBe('registered');
    // No credentials, credentials for nonce A (told stale), credentials for nonce B: accepted.
    const nonces = registrar.requests.map((r) => r.credentials?.params.nonce ?? null);
    expect(nonces).toHaveLength(3);
    expect(nonces[0]).toBeNull();
    expect(nonces[1]).not.toBe(nonces[2]);
    expect(registrar.sent[1]).toMatch(/stale=true/);
    expect(registrar.requests[2]!.credentials).toMatchObject({
      valid: true,
      params: { nc: '00000001' },
    });
  });

  it('control: the same re-challenge without stale=true is taken as a refusal', async () => {
    const { registration, registrar } = await register({
      user: USER,
      password: PASSWORD,
      algorithms: ['SHA-256'],
      staleAfter: 0,
      staleFlag: false,
    });
    expect(registration.state).toBe('failed');
    expect(registration.error?.code).toBe('auth-failed');
    expect(registrar.requests).toHaveLength(2);
  });

  it('a wrong password is refused once, not retried', async () => {
    registrar = await startDigestRegistrar({ user: USER, password: 'the-right-one' });
    engine = new NatterEngine({ localAddress: '127.0.0.1', stunServers: [], keepaliveSeconds: 0 });
    const registration = await engine.invoke('register', {
      account: { server: `127.0.0.1:${registrar.port}`, user: USER },
      password: PASSWORD,
    });
    expect(registration.error?.code).toBe('auth-failed');
    expect(registrar.requests.filter((r) => r.credentials)).toHaveLength(1);
  });

  it("an INVITE's 407 is answered with Proxy-Authorization (SHA-256)", async () => {
    const { registration, registrar } = await register({
      user: USER,
      password: PASSWORD,
      algorithms: ['SHA-256'],
    });
    expect(registration.state).toBe('registered');
    await engine!.invoke('call', { target: '4443' });
    await expect
      .poll(() => registrar.requests.filter((r) => r.method === 'INVITE').length, {
        timeout: 5000,
      })
      .toBe(2);
    const invites = registrar.requests.filter((r) => r.method === 'INVITE');
    expect(invites[0]!.credentials).toBeNull();
    expect(invites[1]!.credentials).toMatchObject({
      header: 'Proxy-Authorization',
      valid: true,
      params: { algorithm: 'SHA-256', qop: 'auth' },
    });
  });
});
