/**
 * Attended transfer judged at both far ends (RFC 3515, RFC 3891), the phone behind a cone NAT,
 * the parties sipp behind Kamailio: B the transferee (the phone's first call), C the target
 * (the consult call). B follows the phone's REFER as a transferee must: 202, NOTIFY 100, an
 * INVITE to the Refer-To URI carrying the Replaces of its `?Replaces=`, NOTIFY with its answer.
 * C checks that Replaces against its own consult dialog with the phone, in C's roles (to-tag
 * C's tag, from-tag the phone's), answers it, and ends the replaced consult dialog with its BYE.
 *
 * - Our REFER right: C's check passes (sipp exits 0, its log says so), the phone receives C's
 *   BYE on the consult call and sends none of its own there, and the phone's call with B ends
 *   with our BYE after B's NOTIFY 200.
 * - The control: B swaps the tags' roles, as a REFER with the tags the wrong way round would
 *   read at C: C refuses 481 and exits 1, B's NOTIFY says so, and the call stays with the phone.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { header, sipPackets, startCapture, type SipPacket } from './support/capture.js';
import { startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import { delay, LAB_USER, PROVIDER_SIP_PORT, runNatter, startCoturn } from './support/peers.js';
import type { CallReportJson } from './support/reports.js';
import { startScriptedParty, type ScriptedParty } from './support/replaces-parties.js';
import { PARTY_A, PARTY_B, TARGET_URI } from './support/transfer-parties.js';

const skip = announceSkip(
  'lab: attended transfer judged at the far ends',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'tshark']),
);
installLabCleanup();

const ACCOUNT_ARGS = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];
const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];

interface TransferReport extends CallReportJson {
  transfer?: { state: string; message: string; kind: string; sipStatus?: number } | null;
  consult?: { answered: boolean; end: { code: string; message: string } | null } | null;
  end?: { code: string; message: string } | null;
}

interface Run {
  report: TransferReport;
  code: number | null;
  sip: SipPacket[];
  transferee: ScriptedParty;
  target: ScriptedParty;
  targetExit: number | null;
  log: string;
}

const tagOf = (value: string | null) => /;\s*tag=([^;>\s]+)/.exec(value ?? '')?.[1];

/** The phone calls B (200), consults C (201), then transfers; B names the Replaces parameters. */
async function attendedTransfer(
  test: TestContext,
  replacesParams: { to_param: string; from_param: string },
): Promise<Run> {
  const lab: Lab = createLab({ nat: 'cone' });
  test.onTestFinished(() => lab.destroy());
  await startCoturn(lab);
  await startKamailio(lab, { numberRoutes: { [PARTY_B]: TARGET_URI } });
  const transferee = await startScriptedParty(
    lab,
    'transferee',
    'transferee-follows-replaces.xml',
    {
      set: replacesParams,
    },
  );
  const target = await startScriptedParty(lab, 'target', 'target-checks-replaces.xml', {
    calls: 2,
  });
  const wire = await startCapture(lab, lab.internet, 'any');
  const run = await runNatter(
    lab,
    [
      'call',
      PARTY_A,
      ...ACCOUNT_ARGS,
      ...STUN_ARGS,
      '--ring-seconds',
      '10',
      '--transfer-to',
      PARTY_B,
      '--consult',
      '--transfer-after',
      '1',
      '--seconds',
      '8',
      '--json',
    ],
    { timeoutMs: 40_000 },
  );
  const targetExit = await Promise.race([target.exited, delay(5000).then(() => null)]);
  const packets = await wire.stop();
  const sip = sipPackets(packets);
  const flow = sip
    .map((m) => `${m.time.toFixed(2)} ${m.src}:${m.sport} > ${m.dst}:${m.dport} ${m.startLine}`)
    .join('\n');
  const log = [
    flow,
    `exit ${run.code} after ${run.elapsedMs} ms`,
    run.stdout.slice(-2000),
    run.stderr.slice(-2000),
    `--- target (exit ${targetExit}) ---`,
    ...target.logLines(),
    target.output().slice(-1500),
    '--- transferee ---',
    transferee.output().slice(-1500),
  ].join('\n');
  return {
    report: run.json as unknown as TransferReport,
    code: run.code,
    sip,
    transferee,
    target,
    targetExit,
    log,
  };
}

describe.skipIf(skip)(
  'attended transfer with Replaces, judged by sipp transferee and target',
  () => {
    it('the target finds its own consult dialog in the Replaces, answers, and BYEs the phone', async (test) => {
      const run = await attendedTransfer(test, { to_param: 'to-tag', from_param: 'from-tag' });
      const { report, sip, target, log } = run;
      expect(report, log).toMatchObject({ registered: true, answered: true });
      expect(report.transfer, log).toMatchObject({ kind: 'attended', state: 'succeeded' });
      expect(run.code, log).toBe(0);

      // C's verdict: its scenario compared the Replaces with its consult dialog and exited 0.
      expect(run.targetExit, log).toBe(0);
      expect(target.logLines().join('\n'), log).toContain('Replaces matches the consult dialog');

      // The same, read here from C's own trace: the consult dialog as C holds it, and the
      // Replaces of the transferee's INVITE, parameter by parameter (RFC 3891 §3 roles).
      const received = target.messages().filter((m) => m.direction === 'received');
      const invites = received.filter((m) => m.startLine.startsWith('INVITE '));
      const consult = invites.find((m) => header(m.text, 'Replaces') === null);
      const replacing = invites.find((m) => header(m.text, 'Replaces') !== null);
      expect(consult, log).toBeDefined();
      expect(replacing, log).toBeDefined();
      const consultCallId = header(consult!.text, 'Call-ID', 'i');
      const phoneTag = tagOf(header(consult!.text, 'From', 'f'));
      const targetTag = tagOf(
        header(
          target
            .messages()
            .find(
              (m) =>
                m.direction === 'sent' &&
                m.startLine.startsWith('SIP/2.0 200') &&
                header(m.text, 'Call-ID', 'i') === consultCallId &&
                /INVITE/.test(header(m.text, 'CSeq') ?? ''),
            )?.text ?? '',
          'To',
          't',
        ),
      );
      const [namedCall, ...params] = (header(replacing!.text, 'Replaces') ?? '').split(';');
      const param = (name: string) =>
        params.map((p) => p.trim().split('=')).find(([key]) => key === name)?.[1];
      expect(namedCall?.trim()).toBe(consultCallId);
      expect(param('to-tag'), log).toBe(targetTag);
      expect(param('from-tag'), log).toBe(phoneTag);
      expect(header(replacing!.text, 'Referred-By', 'b'), log).toContain(LAB_USER);

      // The phone's view, on the wire: C's BYE on the consult call reaches it and is answered;
      // the phone sends no BYE of its own there (C ended the replaced dialog, as it must).
      const onConsult = sip.filter((m) => m.callId === consultCallId);
      const byeFromTarget = onConsult.find((m) => m.method === 'BYE' && m.dst === PUBLIC.router);
      expect(byeFromTarget, log).toBeDefined();
      expect(
        onConsult.find(
          (m) => m.status === 200 && m.src === PUBLIC.router && m.cseq?.method === 'BYE',
        ),
        log,
      ).toBeDefined();
      expect(onConsult.filter((m) => m.method === 'BYE' && m.src === PUBLIC.router)).toEqual([]);
      expect(report.consult, log).toMatchObject({ answered: true, end: { code: 'transferred' } });

      // The phone's call with B ends with our BYE, after B's NOTIFY 200.
      const refer = sip.find((m) => m.method === 'REFER' && m.src === PUBLIC.router);
      expect(refer, log).toBeDefined();
      const withB = sip.filter((m) => m.callId === refer!.callId);
      const notifyOk = withB.find(
        (m) => m.method === 'NOTIFY' && m.dst === PUBLIC.router && /SIP\/2\.0 200/.test(m.text),
      );
      const bye = withB.find((m) => m.method === 'BYE' && m.src === PUBLIC.router);
      expect(notifyOk, log).toBeDefined();
      expect(bye, log).toBeDefined();
      expect(bye!.time).toBeGreaterThanOrEqual(notifyOk!.time);
      expect(await run.transferee.exited, log).toBe(0);
    }, 90_000);

    it('control: tags in the wrong roles make the target refuse 481, and the call stays', async (test) => {
      const run = await attendedTransfer(test, { to_param: 'from-tag', from_param: 'to-tag' });
      const { report, sip, target, log } = run;
      expect(report, log).toMatchObject({ registered: true, answered: true });
      // C's check failed: it refused the INVITE and its sipp exits 1.
      expect(run.targetExit, log).toBe(1);
      expect(target.logLines().join('\n'), log).toContain(
        'Replaces does not match the consult dialog',
      );
      expect(
        target
          .messages()
          .filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 481')),
        log,
      ).toHaveLength(1);
      // The phone hears of it and keeps the call; C never BYEs the consult call.
      expect(report.transfer, log).toMatchObject({ state: 'failed', sipStatus: 481 });
      expect(run.code).toBe(1);
      expect(sip.filter((m) => m.method === 'BYE' && m.dst === PUBLIC.router)).toEqual([]);
    }, 90_000);
  },
);
