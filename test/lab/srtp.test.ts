/**
 * SRTP with SDES keys against real peers, judged on the provider's side of the wire: Kamailio as
 * registrar and proxy, the client behind a cone NAT, and behind Kamailio baresip (its `srtp`
 * module, `mediaenc=srtp-mand`) answering and echoing, or sipp offering and answering plain or
 * unsupported SRTP.
 *
 * - An encrypted call: the RTP payloads on the wire, decoded as PCMU, carry no 1 kHz tone, while
 *   the echo the phone decrypted does. The control, the same call unencrypted, finds the tone on
 *   the wire: the wire check can fail.
 * - `--srtp required` to a callee that answers plain RTP: the call ends with a plain reason and
 *   not one RTP packet leaves the phone.
 * - An incoming RTP/SAVP offer with a suite the phone lacks: 488 Not Acceptable Here.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { startBaresipCallee } from './support/baresip.js';
import { rtpPackets, sdpOf, sipPackets, startCapture, type UdpPacket } from './support/capture.js';
import { dropUnsolicitedUdp, toneShare, wireFrames } from './support/encrypted-media.js';
import { startCarrier, startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import { delay, LAB_USER, PROVIDER_SIP_PORT, runNatter, startCoturn } from './support/peers.js';
import type { CallReportJson, ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: SRTP',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'turnserver', 'tshark', 'baresip']),
);
installLabCleanup();

const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const ACCOUNT_ARGS = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];

interface SrtpCallReport extends CallReportJson {
  toneDetected?: boolean;
  srtp?: { suite: string | null; active: boolean };
  end?: { code: string; message: string } | null;
}

async function providerLab(test: TestContext): Promise<Lab> {
  const lab = createLab({ nat: 'cone' });
  test.onTestFinished(() => lab.destroy());
  await startCoturn(lab);
  await startKamailio(lab);
  return lab;
}

async function callBaresip(
  test: TestContext,
  srtp: 'off' | 'required',
): Promise<{ report: SrtpCallReport; packets: UdpPacket[]; code: number | null; log: string }> {
  const lab = await providerLab(test);
  dropUnsolicitedUdp(lab);
  const callee = await startBaresipCallee(lab, {
    mediaenc: srtp === 'required' ? 'srtp-mand' : null,
    number: '4443',
  });
  const wire = await startCapture(lab, lab.internet, lab.internetInterface);
  const run = await runNatter(
    lab,
    ['call', '4443', ...ACCOUNT_ARGS, ...STUN_ARGS, '--seconds', '5', '--srtp', srtp, '--json'],
    { timeoutMs: 60_000 },
  );
  await delay(300);
  const packets = await wire.stop();
  return {
    report: run.json as unknown as SrtpCallReport,
    packets,
    code: run.code,
    log: `${run.stderr}\n--- baresip ---\n${callee.output().slice(-2500)}`,
  };
}

describe.skipIf(skip)('SRTP (SDES) through a cone NAT, Kamailio and real peers', () => {
  it('an encrypted call to baresip: no tone in the RTP on the wire, the tone in the echo decrypted', async (test) => {
    const { report, packets, code, log } = await callBaresip(test, 'required');
    expect(report, log).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
      srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', active: true },
    });
    expect(code, log).toBe(0);
    // Our offer demanded SRTP and carried keys; the trace never did (it is not on the wire).
    const invite = sipPackets(packets).find(
      (m) => m.method === 'INVITE' && m.src === PUBLIC.router,
    );
    expect(invite?.text).toMatch(/m=audio \d+ RTP\/SAVP /);
    expect(invite?.text).toMatch(/a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}/);
    expect(sdpOf(invite!.text).audioPort).toBeGreaterThan(0);
    // On the wire: our RTP, and not a trace of the tone in it.
    const frames = wireFrames(packets, 'from');
    expect(frames.length, log).toBeGreaterThan(100);
    expect(toneShare(frames)).toBeLessThan(0.02);
    // Packets 10 bytes longer than the plain ones: the 80-bit tag.
    const ours = rtpPackets(packets, { from: { address: PUBLIC.router } });
    expect(ours.some((packet) => packet.payload.length === 12 + 160 + 10)).toBe(true);
    // baresip's echo came back encrypted too, and the phone heard the tone in it.
    const theirs = wireFrames(packets, 'to');
    expect(theirs.length, log).toBeGreaterThan(100);
    expect(toneShare(theirs)).toBeLessThan(0.02);
    expect(report.rtp.received, log).toBeGreaterThan(100);
    expect(report.toneDetected, log).toBe(true);
  }, 90_000);

  it('control: the same call unencrypted carries the tone on the wire', async (test) => {
    const { report, packets, log } = await callBaresip(test, 'off');
    expect(report, log).toMatchObject({ registered: true, answered: true });
    expect(report.srtp).toBeUndefined();
    const frames = wireFrames(packets, 'from');
    expect(frames.length, log).toBeGreaterThan(100);
    expect(toneShare(frames)).toBeGreaterThan(0.8);
  }, 90_000);

  it('--srtp required to a callee that answers plain RTP: a clear refusal, not a plain call', async (test) => {
    const lab = await providerLab(test);
    await startCarrier(lab, 'callee');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(
      lab,
      [
        'call',
        '4443',
        ...ACCOUNT_ARGS,
        ...STUN_ARGS,
        '--seconds',
        '5',
        '--srtp',
        'required',
        '--json',
      ],
      { timeoutMs: 60_000 },
    );
    await delay(1500);
    const packets = await wire.stop();
    const report = run.json as unknown as SrtpCallReport;
    expect(report, run.stderr).toMatchObject({ registered: true, answered: false });
    expect(run.code).toBe(1);
    expect(report.end?.message).toMatch(/the other side would not encrypt the call/);
    expect(report.error?.message).toMatch(/would not encrypt/);
    const sip = sipPackets(packets);
    const answer = sip.find((m) => m.status === 200 && m.cseq?.method === 'INVITE');
    expect(answer?.text).toMatch(/RTP\/AVP/);
    // The 200 was acknowledged and the call hung up at once, with not one RTP packet sent.
    expect(sip.some((m) => m.method === 'BYE' && m.src === PUBLIC.router)).toBe(true);
    expect(rtpPackets(packets, { from: { address: PUBLIC.router } })).toHaveLength(0);
  }, 90_000);

  it('an incoming RTP/SAVP offer with a suite the phone lacks is answered 488', async (test) => {
    const lab = await providerLab(test);
    const listening = runNatter(
      lab,
      ['listen', ...ACCOUNT_ARGS, ...STUN_ARGS, '--seconds', '12', '--srtp', 'optional', '--json'],
      { timeoutMs: 60_000 },
    );
    await delay(4000);
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const caller = await startCarrier(lab, 'caller', {
      scenario: 'kamailio-caller-savp-unsupported.xml',
    });
    const callerExit = await caller.exited;
    const run = await listening;
    const packets = await wire.stop();
    const report = run.json as unknown as ListenReportJson;
    expect(report, run.stderr).toMatchObject({ registered: true });
    expect(callerExit, caller.output().slice(-1500)).toBe(0);
    const refusal = sipPackets(packets).find(
      (m) => m.src === PUBLIC.router && m.status !== null && m.status >= 300,
    );
    expect(refusal?.status).toBe(488);
    expect(rtpPackets(packets, { from: { address: PUBLIC.router } })).toHaveLength(0);
  }, 90_000);
});
