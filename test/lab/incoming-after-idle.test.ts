import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { installLabCleanup, Lab, PUBLIC } from './support/netns-lab.js';
import { header, LAB_USER, runNatter, startCoturn, startSipp } from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: incoming calls after idle',
  labUnavailableReason(['sipp', 'turnserver']),
);
installLabCleanup();

const UDP_TIMEOUT_SECONDS = 20;
const IDLE_MS = 60_000;

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) lab.destroy();
});

/**
 * Registers through a router that forgets idle UDP mappings after 20 s, stays idle for 60 s, then
 * the provider calls the Contact it registered, from its own address and port.
 */
async function callAfterIdle(keepaliveSeconds: number) {
  const lab = Lab.create({ nat: 'cone', udpTimeoutSeconds: UDP_TIMEOUT_SECONDS });
  labs.push(lab);
  await startCoturn(lab);
  const registrar = await startSipp(lab, 'provider-registrar.xml', { calls: 1 });
  const listening = runNatter(
    lab,
    [
      'listen',
      '--server',
      `${PUBLIC.provider}:5060`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--stun',
      `${PUBLIC.stunB}:3478`,
      '--answer',
      '--keepalive',
      String(keepaliveSeconds),
      '--seconds',
      '75',
      '--json',
    ],
    { timeoutMs: 120_000 },
  );
  await registrar.exited;
  const registered = registrar
    .messages()
    .filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 200'))
    .map((m) => header(m.text, 'Contact') ?? '')[0];
  const target = /@([\d.]+:\d+)/.exec(registered ?? '')?.[1];
  if (!target)
    throw new Error(`no registered Contact in the registrar's log: ${registrar.output()}`);
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const caller = await startSipp(lab, 'provider-invites-client.xml', {
    calls: 1,
    target,
    extraArgs: ['-rtp_echo', '-recv_timeout', '12000'],
  });
  await caller.exited;
  const run = await listening;
  return { run, report: run.json as unknown as ListenReportJson, messages: caller.messages() };
}

describe.skipIf(skip)(
  `conntrack UDP timeout ${UDP_TIMEOUT_SECONDS} s, then ${IDLE_MS / 1000} s idle`,
  () => {
    it('keepalives hold the NAT binding: the INVITE arrives and is answered; without them it does not', async () => {
      const [held, control] = await Promise.all([callAfterIdle(10), callAfterIdle(0)]);

      expect(held.report, held.run.stderr).toMatchObject({ registered: true });
      expect(held.report.calls).toHaveLength(1);
      expect(held.report.calls[0]).toMatchObject({
        from: '15145550100',
        answered: true,
        oneWayAudio: false,
      });
      expect(held.report.calls[0]!.rtp.received).toBeGreaterThan(20);
      const answered = held.messages.filter(
        (m) => m.direction === 'received' && m.startLine.startsWith('SIP/2.0 200'),
      );
      expect(answered.length).toBeGreaterThan(0);

      // The control proves the test can fail: the same router forgets an idle client.
      expect(control.report).toMatchObject({ registered: true, calls: [] });
      expect(
        control.messages.some((m) => m.direction === 'sent' && m.startLine.startsWith('INVITE')),
      ).toBe(true);
      // No answer of any kind to the INVITE came back through the router.
      expect(
        control.messages.some(
          (m) => m.direction === 'received' && m.startLine.startsWith('SIP/2.0'),
        ),
      ).toBe(false);
    }, 170_000);
  },
);
