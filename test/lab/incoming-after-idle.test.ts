import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { installLabCleanup, Lab, PUBLIC } from './support/netns-lab.js';
import { LAB_USER, runNatter, startCoturn, startSipp } from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: incoming calls after idle',
  labUnavailableReason(['sipp', 'turnserver']),
);
installLabCleanup();

const UDP_TIMEOUT_SECONDS = 20;
const IDLE_MS = 60_000;

async function listenAfterIdle(keepaliveSeconds: number) {
  const lab = Lab.create({ nat: 'cone', udpTimeoutSeconds: UDP_TIMEOUT_SECONDS });
  labs.push(lab);
  await startCoturn(lab);
  const sipp = await startSipp(lab, 'provider-calls-client.xml', {
    extraArgs: ['-d', String(IDLE_MS), '-rtp_echo'],
    calls: 1,
  });
  const run = await runNatter(
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
  return { run, report: run.json as unknown as ListenReportJson, messages: sipp.messages() };
}

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) lab.destroy();
});

describe.skipIf(skip)(
  `conntrack UDP timeout ${UDP_TIMEOUT_SECONDS} s, then ${IDLE_MS / 1000} s idle`,
  () => {
    it('keepalives hold the NAT binding: the provider’s INVITE arrives and is answered; without them it does not', async () => {
      const [held, control] = await Promise.all([listenAfterIdle(10), listenAfterIdle(0)]);

      expect(held.report, held.run.stderr).toMatchObject({ registered: true });
      expect(held.report.calls).toHaveLength(1);
      expect(held.report.calls[0]).toMatchObject({
        from: '15145550100',
        answered: true,
        oneWayAudio: false,
      });
      expect(held.report.calls[0]!.rtp.received).toBeGreaterThan(20);
      const heldResponses = held.messages.filter(
        (m) =>
          m.direction === 'received' &&
          /^SIP\/2\.0 200/.test(m.startLine) &&
          /CSeq:\s*1 INVITE/i.test(m.text),
      );
      expect(heldResponses.length).toBeGreaterThan(0);

      // The control proves the test can fail: the same router forgets an idle client.
      expect(control.report).toMatchObject({ registered: true, calls: [] });
      const invitesSent = control.messages.filter(
        (m) => m.direction === 'sent' && m.startLine.startsWith('INVITE'),
      );
      expect(invitesSent.length).toBeGreaterThan(0);
      expect(
        control.messages.some(
          (m) => m.direction === 'received' && /CSeq:\s*1 INVITE/i.test(m.text),
        ),
      ).toBe(false);
    }, 150_000);
  },
);
