import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTlsFailure } from '../../../src-main/sip/tls-failure.js';
import { streamConnector } from '../../../src-main/sip/stream-connection.js';
import { makeTestCa, type TestCa } from '../../support/test-ca.js';
import { EngineFailure } from '../../../src-main/engine/engine-error.js';

describe('TLS failures as sentences naming the check', () => {
  it.each([
    ['CERT_HAS_EXPIRED', 'tls-expired', /has expired/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls-wrong-name', /another name, not atlanta1\.voip\.ms/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls-unknown-issuer', /unknown issuer/],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls-unknown-issuer', /unknown issuer/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls-unknown-issuer', /unknown issuer/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls-unknown-issuer', /unknown issuer/],
  ])('%s reads as %s', (opensslCode, code, sentence) => {
    const error = Object.assign(new Error('raw'), { code: opensslCode });
    const failure = describeTlsFailure(error, 'atlanta1.voip.ms');
    expect(failure.code).toBe(code);
    expect(failure.message).toMatch(sentence);
    expect(failure.message).not.toMatch(/reject|unauthori[sz]ed/i);
  });

  it('anything else keeps its own words', () => {
    const failure = describeTlsFailure(new Error('socket hang up'), 'atlanta1.voip.ms');
    expect(failure).toMatchObject({ code: 'tls-failed' });
    expect(failure.message).toContain('socket hang up');
  });
});

describe('TLS connector against a real TLS server (certificates from a test CA)', () => {
  let dir: string;
  let ca: TestCa;
  let stranger: TestCa;
  const servers: Server[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'natter-tls-unit-'));
    ca = makeTestCa(dir, 'lab-ca');
    stranger = makeTestCa(dir, 'other-ca');
  });
  afterAll(() => {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(cert: { cert: string; key: string }): Promise<number> {
    const server = createServer({ cert: cert.cert, key: cert.key }, (socket) => socket.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  async function attempt(port: number, serverName: string, extraCa: string | null) {
    const connect = streamConnector({
      kind: 'tls',
      server: { address: '127.0.0.1', port },
      serverName,
      extraCa,
      timeoutMs: 5000,
    });
    try {
      const socket = await connect();
      socket.destroy();
      return 'connected';
    } catch (error) {
      expect(error).toBeInstanceOf(EngineFailure);
      return (error as EngineFailure).code;
    }
  }

  it('connects to the name the certificate carries, sent as SNI, with the extra CA trusted', async () => {
    const port = await serve(ca.issue('good', ['sip.lab.test']));
    expect(await attempt(port, 'sip.lab.test', ca.caPem)).toBe('connected');
  });

  it('names each failed check: unknown issuer, wrong name, expired', async () => {
    const good = await serve(ca.issue('good2', ['sip.lab.test']));
    // Without the extra CA the system's store knows no lab CA.
    expect(await attempt(good, 'sip.lab.test', null)).toBe('tls-unknown-issuer');
    expect(await attempt(good, 'other.lab.test', ca.caPem)).toBe('tls-wrong-name');
    const expired = await serve(ca.issue('old', ['sip.lab.test'], { expired: true }));
    expect(await attempt(expired, 'sip.lab.test', ca.caPem)).toBe('tls-expired');
    const foreign = await serve(stranger.issue('foreign', ['sip.lab.test']));
    expect(await attempt(foreign, 'sip.lab.test', ca.caPem)).toBe('tls-unknown-issuer');
  });
});
