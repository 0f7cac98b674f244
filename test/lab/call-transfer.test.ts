/**
 * Call transfer against real peers behind Kamailio, the phone behind a cone NAT, judged at the
 * far ends: party A is baresip (it follows a REFER as deployed phones do), party B the transfer
 * target (sipp, echoing RTP), both behind the provider.
 *
 * - Blind: the phone calls A and REFERs it to B's number. B receives A's INVITE carrying the
 *   phone's Referred-By; RTP then flows between A and B; the phone ends its leg with a BYE after
 *   A's NOTIFY reports 200, and says "Transferred to 201".
 * - Attended: the phone calls A, holds it, calls B (the consult call), then REFERs A with
 *   Replaces naming the consult dialog: B receives an INVITE from A whose Replaces header names
 *   the consult call's Call-ID and tags.
 * - A provider that refuses REFER (405): the phone says so in plain words and the call goes on
 *   until the phone hangs up, its RTP still flowing.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  header,
  rtpFlows,
  rtpPackets,
  sipPackets,
  startCapture,
  type UdpPacket,
} from './support/capture.js';
import { CARRIER, startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import { delay, LAB_USER, PROVIDER_SIP_PORT, runNatter, startCoturn } from './support/peers.js';
import type { CallReportJson } from './support/reports.js';
import {
  PARTY_A,
  PARTY_B,
  startBaresipParty,
  startSippParty,
  TARGET,
  TARGET_URI,
} from './support/transfer-parties.js';

const skip = announceSkip(
  'lab: call transfer',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'tshark', 'baresip']),
);
installLabCleanup();

const ACCOUNT_ARGS = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];
const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];

interface TransferReport extends CallReportJson {
  transfer?: { state: string; message: string; kind: string; sipStatus?: number } | null;
  consult?: { answered: boolean; end: { code: string; message: string } | null } | null;
  end?: { code: string; message: string } | null;
}

/** The SIP exchange on the wire, one line a message, for the failure messages. */
function sipFlow(packets: UdpPacket[]): string {
  const rtp = [...rtpFlows(packets)].map(([flow, count]) => `RTP ${flow}: ${count}`);
  return [
    ...sipPackets(packets).map(
      (m) => `${m.time.toFixed(2)} ${m.src}:${m.sport} > ${m.dst}:${m.dport} ${m.startLine}`,
    ),
    ...rtp,
  ].join('\n');
}

async function providerLab(test: TestContext): Promise<Lab> {
  const lab = createLab({ nat: 'cone' });
  test.onTestFinished(() => lab.destroy());
  await startCoturn(lab);
  await startKamailio(lab, { numberRoutes: { [PARTY_B]: TARGET_URI } });
  return lab;
}

describe.skipIf(skip)(
  'call transfer through a cone NAT and Kamailio, with baresip and sipp',
  () => {
    it('blind: B gets A’s INVITE after our REFER (Referred-By us), A and B exchange RTP, we BYE our leg', async (test) => {
      const lab = await providerLab(test);
      const partyA = await startBaresipParty(lab);
      const partyB = await startSippParty(lab, 'transfer-target.xml');
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
          '--transfer-after',
          '2',
          '--seconds',
          '20',
          '--json',
        ],
        { timeoutMs: 60_000 },
      );
      // A and B talk on after our leg has ended: let them, on the wire, for a few seconds.
      await delay(4000);
      const packets = await wire.stop();
      const flow = sipFlow(packets);
      const log = `${flow}\nexit ${run.code} after ${run.elapsedMs} ms\n${run.stdout.slice(-2000)}\n${run.stderr}\n--- baresip A ---\n${partyA.output().slice(-3000)}`;
      const report = run.json as unknown as TransferReport;
      expect(report, log).toMatchObject({ registered: true, answered: true });
      expect(report.transfer, log).toMatchObject({ kind: 'blind', state: 'succeeded' });
      expect(report.end, log).toMatchObject({ code: 'transferred', message: 'Transferred to 201' });
      const sip = sipPackets(packets);
      // Our REFER, as the provider received it: Refer-To B's number, Referred-By us.
      const refer = sip.find((m) => m.method === 'REFER' && m.src === PUBLIC.router);
      expect(refer, log).toBeDefined();
      expect(header(refer!.text, 'Refer-To', 'r')).toMatch(
        new RegExp(`sip:${PARTY_B}@${PUBLIC.provider.replaceAll('.', '\\.')}`),
      );
      expect(header(refer!.text, 'Referred-By', 'b')).toContain(LAB_USER);
      // B's view: the INVITE came from A (its From), carrying the Referred-By of our REFER.
      const inviteAtB = partyB
        .messages()
        .find((m) => m.direction === 'received' && m.startLine.startsWith('INVITE'));
      expect(inviteAtB, log).toBeDefined();
      expect(header(inviteAtB!.text, 'From', 'f')).toContain(`sip:${PARTY_A}@`);
      expect(header(inviteAtB!.text, 'Request-URI') ?? inviteAtB!.startLine).toContain(
        `sip:${PARTY_B}@`,
      );
      // baresip 1.0 does not copy Referred-By into its INVITE (RFC 3892 §3 says SHOULD): what B
      // can be shown is the INVITE's origin, A, and what we asked A to say is in our REFER above.
      const referredBy = header(inviteAtB!.text, 'Referred-By', 'b');
      if (referredBy !== null) expect(referredBy).toContain(LAB_USER);
      // A and B exchange RTP directly, behind the provider (baresip picks its own address).
      const aToB = rtpPackets(packets, {
        to: { address: CARRIER.address, port: TARGET.mediaPort },
      }).filter((packet) => packet.src !== PUBLIC.router);
      const bToA = rtpPackets(packets, {
        from: { address: CARRIER.address, port: TARGET.mediaPort },
      }).filter((packet) => packet.dst !== PUBLIC.router);
      expect(aToB.length, log).toBeGreaterThan(50);
      expect(bToA.length, log).toBeGreaterThan(50);
      // Our leg ends with our BYE, after A's NOTIFY said 200, and long before --seconds ran out.
      const notifyOk = sip.find(
        (m) => m.method === 'NOTIFY' && m.dst === PUBLIC.router && /SIP\/2\.0 200/.test(m.text),
      );
      const bye = sip.find((m) => m.method === 'BYE' && m.src === PUBLIC.router);
      expect(notifyOk, log).toBeDefined();
      expect(bye, log).toBeDefined();
      expect(bye!.time).toBeGreaterThanOrEqual(notifyOk!.time);
      expect(run.elapsedMs).toBeLessThan(18_000);
    }, 90_000);

    it('attended: a consult call to B, then A is REFERred to B with Replaces naming that dialog', async (test) => {
      const lab = await providerLab(test);
      const partyA = await startBaresipParty(lab);
      const partyB = await startSippParty(lab, 'transfer-target.xml', { calls: 2 });
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
          '2',
          '--seconds',
          '25',
          '--json',
        ],
        { timeoutMs: 60_000 },
      );
      await delay(1500);
      const packets = await wire.stop();
      const flow = sipFlow(packets);
      const log = `${flow}\nexit ${run.code} after ${run.elapsedMs} ms\n${run.stdout.slice(-2000)}\n${run.stderr}\n--- baresip A ---\n${partyA.output().slice(-3000)}`;
      const report = run.json as unknown as TransferReport;
      expect(report, log).toMatchObject({ registered: true, answered: true });
      expect(report.transfer, log).toMatchObject({ kind: 'attended', state: 'succeeded' });
      expect(report.consult, log).toMatchObject({ answered: true, end: { code: 'transferred' } });
      const invitesAtB = partyB
        .messages()
        .filter((m) => m.direction === 'received' && /^INVITE /.test(m.startLine));
      const consult = invitesAtB.find((m) => header(m.text, 'From', 'f')?.includes(LAB_USER));
      expect(consult, log).toBeDefined();
      const consultCallId = header(consult!.text, 'Call-ID', 'i');
      const consultFromTag = /;\s*tag=([^;>\s]+)/.exec(
        header(consult!.text, 'From', 'f') ?? '',
      )?.[1];
      // The phone's REFER: Refer-To B's Contact with Replaces naming the consult dialog.
      const refer = sipPackets(packets).find(
        (m) => m.method === 'REFER' && m.src === PUBLIC.router,
      );
      expect(refer, log).toBeDefined();
      const referTo = header(refer!.text, 'Refer-To', 'r') ?? '';
      const consultToTag = /;\s*tag=([^;>\s]+)/.exec(
        header(
          partyB
            .messages()
            .find((m) => m.direction === 'sent' && /^SIP\/2\.0 200/.test(m.startLine))?.text ?? '',
          'To',
          't',
        ) ?? '',
      )?.[1];
      expect(referTo, log).toContain(`<sip:${PARTY_B}@${CARRIER.address}:${TARGET.port}`);
      expect(referTo).toContain(
        `?Replaces=${encodeURIComponent(consultCallId ?? '')}%3Bto-tag%3D${consultToTag}%3Bfrom-tag%3D${consultFromTag}>`,
      );
      // B's view: A's INVITE, sent to B's Contact as our Refer-To named it, after A accepted the
      // REFER. baresip 1.0 leaves RFC 3891 out: it puts the Replaces of the Refer-To into its
      // Request-URI rather than a Replaces header, so B cannot be shown the header itself.
      const fromA = invitesAtB.find((m) =>
        header(m.text, 'From', 'f')?.includes(`sip:${PARTY_A}@`),
      );
      expect(fromA, log).toBeDefined();
      expect(fromA!.startLine).toContain(`sip:${PARTY_B}@${CARRIER.address}:${TARGET.port}`);
      expect(fromA!.startLine).toContain(consultCallId ?? 'no consult call');
      const replacesHeader = header(fromA!.text, 'Replaces');
      if (replacesHeader !== null) {
        expect(replacesHeader.split(';')[0]).toBe(consultCallId);
        expect(replacesHeader).toContain(`from-tag=${consultFromTag}`);
      }
    }, 90_000);

    it('a provider that refuses REFER (405): plain words, the call kept until the phone hangs up', async (test) => {
      const lab = await providerLab(test);
      const partyA = await startSippParty(lab, 'provider-refuses-refer.xml', { as: 'a' });
      const wire = await startCapture(lab, lab.internet, lab.internetInterface);
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
          '--transfer-after',
          '1',
          '--seconds',
          '6',
          '--json',
        ],
        { timeoutMs: 60_000 },
      );
      await delay(500);
      const packets = await wire.stop();
      const flow = sipFlow(packets);
      const log = `${flow}\nexit ${run.code} after ${run.elapsedMs} ms\n${run.stdout.slice(-2000)}\n${run.stderr}\n--- sipp A ---\n${partyA.output().slice(-1500)}`;
      const report = run.json as unknown as TransferReport;
      expect(report, log).toMatchObject({ registered: true, answered: true, oneWayAudio: false });
      expect(report.transfer, log).toMatchObject({ state: 'refused', sipStatus: 405 });
      expect(report.transfer?.message).toMatch(/does not support call transfer.*stays with you/);
      expect(report.end, log).toMatchObject({ code: 'hangup-local' });
      expect(run.code).toBe(1);
      const sip = sipPackets(packets);
      const refusal = sip.find((m) => m.status === 405 && m.dst === PUBLIC.router);
      const bye = sip.find((m) => m.method === 'BYE' && m.src === PUBLIC.router);
      expect(refusal, log).toBeDefined();
      expect(bye, log).toBeDefined();
      // The call went on after the refusal: our BYE only at the end of --seconds, RTP up to it.
      expect(bye!.time - refusal!.time).toBeGreaterThan(3);
      const ourRtpAfter = rtpPackets(packets, { from: { address: PUBLIC.router } }).filter(
        (packet) => packet.time > refusal!.time + 2,
      );
      expect(ourRtpAfter.length).toBeGreaterThan(50);
      expect(await partyA.exited).toBe(0);
    }, 90_000);
  },
);
