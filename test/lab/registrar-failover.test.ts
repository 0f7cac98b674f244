/**
 * Registrar failover: the configured server stops answering (its packets vanish, as when a
 * point of presence goes down), and the phone, allowed to fail over, registers to the other
 * server that answers, before its registration has run out. The second server's own log is the
 * judge. The control runs the same network without failover: the second server hears nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  delay,
  header,
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
  waitFor,
  type SippHandle,
} from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: registrar failover',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack']),
);

const EXPIRES_SECONDS = 60;
/** RFC 3261 Timer F at T1 = 500 ms: how long an unanswered REGISTER takes to give up. */
const TIMER_F_SECONDS = 32;
const SECOND_SERVER = PUBLIC.stunB;

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) lab.destroy();
});

function acceptedRegisters(server: SippHandle): string[] {
  return server
    .messages()
    .filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 200'))
    .map((m) => header(m.text, 'Contact') ?? '')
    .filter((contact) => contact !== '');
}

/** Registers to the first server, silences it, and watches the second one. */
async function silenceFirstServer(failover: boolean) {
  const lab = createLab({ nat: 'cone' });
  labs.push(lab);
  await startCoturn(lab);
  const first = await startSipp(lab, 'provider-registrar.xml', {
    calls: 10,
    expiresSeconds: EXPIRES_SECONDS,
  });
  const second = await startSipp(lab, 'provider-registrar-answering-options.xml', {
    calls: 10,
    expiresSeconds: EXPIRES_SECONDS,
    address: SECOND_SERVER,
  });
  const listening = runNatter(
    lab,
    [
      'listen',
      '--server',
      `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--expires',
      String(EXPIRES_SECONDS),
      ...(failover ? ['--failover', `${SECOND_SERVER}:${PROVIDER_SIP_PORT}`] : []),
      '--seconds',
      String(EXPIRES_SECONDS + TIMER_F_SECONDS + 6),
      '--json',
    ],
    { timeoutMs: 150_000 },
  );
  const registered = await waitFor(() => acceptedRegisters(first).length > 0, 15_000);
  if (!registered) throw new Error(`never registered to the first server: ${first.output()}`);
  // The first server goes silent: no answer, no ICMP, as a point of presence that went down.
  lab.exec(lab.internet, 'iptables', [
    '-I',
    'INPUT',
    '-d',
    PUBLIC.provider,
    '-p',
    'udp',
    '--dport',
    String(PROVIDER_SIP_PORT),
    '-j',
    'DROP',
  ]);
  const silencedAt = Date.now();
  let movedAfterMs: number | null = null;
  await waitFor(
    () => {
      if (acceptedRegisters(second).length === 0) return false;
      movedAfterMs = Date.now() - silencedAt;
      return true;
    },
    (EXPIRES_SECONDS + TIMER_F_SECONDS + 10) * 1000,
    250,
  );
  const run = await listening;
  await delay(200);
  return {
    run,
    report: run.json as unknown as ListenReportJson | null,
    movedAfterMs: movedAfterMs as number | null,
    secondContacts: acceptedRegisters(second),
    optionsSeen: second
      .messages()
      .some((m) => m.direction === 'received' && m.startLine.startsWith('OPTIONS ')),
  };
}

describe.skipIf(skip)('the configured registrar stops answering', () => {
  it('registers to the server that answers before the registration runs out; without failover it stays silent', async () => {
    const [moved, control] = await Promise.all([
      silenceFirstServer(true),
      silenceFirstServer(false),
    ]);

    // The second server was asked first (OPTIONS), then took the registration of our public
    // mapping, within one registration lifetime plus the unanswered refresh's own timeout.
    expect(moved.optionsSeen).toBe(true);
    expect(moved.secondContacts[0]).toContain(`@${PUBLIC.router}:`);
    expect(moved.movedAfterMs).not.toBeNull();
    expect(moved.movedAfterMs!).toBeLessThan((EXPIRES_SECONDS + TIMER_F_SECONDS) * 1000);
    expect(moved.report?.failover).toMatchObject({
      from: `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      to: `${SECOND_SERVER}:${PROVIDER_SIP_PORT}`,
    });
    expect(moved.report?.server).toBe(`${SECOND_SERVER}:${PROVIDER_SIP_PORT}`);

    // The control proves the test can fail: no failover, no registration anywhere else.
    expect(control.secondContacts).toEqual([]);
    expect(control.optionsSeen).toBe(false);
    expect(control.report?.failover ?? null).toBeNull();
  });
});
