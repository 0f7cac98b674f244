/**
 * The encrypted call as a whole, against real peers: Kamailio (TLS on 5061, a lab CA) as the
 * registrar and proxy, baresip behind it answering with SDES-SRTP required (`srtp-mand`) and
 * echoing, the phone behind a cone NAT. Judged on the provider's side of the wire.
 *
 * - TLS and SRTP together: no SIP readable on the wire (nothing on UDP 5060, no "SIP/2.0" in any
 *   TCP payload), no tone in the RTP either way, the tone in the echo the phone decrypted.
 * - SRTP through the TURN relay (coturn, relaying forced): baresip's SRTP comes from and goes to
 *   the relayed address, no tone in it either way, the tone in the echo the phone decrypted.
 * - The keys and rollover counters survive re-INVITEs: a call held and resumed (baresip 1.0.0
 *   does not send again after a hold, so there the judge is what it received), and one whose
 *   phone moves to another router mid-call. Signalling goes over UDP there, so that the test can
 *   read baresip's key in its answers and open its SRTP itself: the echo after the re-INVITE
 *   opens under the same key with the index running on (no auth or replay failure) and carries
 *   the tone, which baresip can only echo if it decrypted our audio; baresip logs no failure.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { startBaresipCallee, type BaresipHandle } from './support/baresip.js';
import {
  rtpFlows,
  rtpPackets,
  sipPackets,
  startCapture,
  type UdpPacket,
} from './support/capture.js';
import {
  dropUnsolicitedUdp,
  openFarEndSrtp,
  toneShare,
  wireFrames,
} from './support/encrypted-media.js';
import { PROVIDER_TLS_PORT, startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  delay,
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  waitFor,
  type NatterRun,
} from './support/peers.js';
import type { CallReportJson } from './support/reports.js';
import { clearTextSip, clientFlow, labCertificates, providerWire } from './support/tls-wire.js';
import { startTurnServer, TURN_ADDRESS, TURN_PASSWORD, TURN_USER } from './support/turn-server.js';

const skip = announceSkip(
  'lab: the encrypted call',
  labUnavailableReason(['kamailio', 'kamcmd', 'turnserver', 'tshark', 'openssl', 'baresip']),
);
installLabCleanup();

const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const SUITE = 'AES_CM_128_HMAC_SHA1_80';
/** What baresip writes when a packet fails to open (libre's srtp: auth, replay, index). */
const BARESIP_SRTP_FAILURE = /srtp: failed to decrypt|srtp.*(auth|replay)/i;

interface EncryptedCallReport extends CallReportJson {
  srtp?: { suite: string | null; active: boolean };
  relay?: { state: string; relayed: { address: string; port: number } | null } | null;
}

/** A cone-NAT lab with Kamailio (TLS too) and baresip requiring SRTP behind it. */
async function encryptedLab(
  test: TestContext,
  options: { secondRouter?: boolean } = {},
): Promise<{ lab: Lab; baresip: BaresipHandle }> {
  const lab = createLab({ nat: 'cone', ...(options.secondRouter ? { secondRouter: true } : {}) });
  test.onTestFinished(() => lab.destroy());
  dropUnsolicitedUdp(lab);
  if (options.secondRouter) dropUnsolicitedUdp(lab, lab.secondRouter, PUBLIC.secondRouter);
  await startCoturn(lab);
  const { good } = labCertificates();
  await startKamailio(lab, { tls: { certFile: good.certFile, keyFile: good.keyFile } });
  const baresip = await startBaresipCallee(lab, { mediaenc: 'srtp-mand', number: '4443' });
  return { lab, baresip };
}

function logOf(run: NatterRun, baresip: BaresipHandle): string {
  return `${run.stderr}\n--- baresip ---\n${baresip.output().slice(-3000)}`;
}

describe.skipIf(skip)('the encrypted call: SIP over TLS and SRTP through a cone NAT', () => {
  it('TLS and SRTP to baresip: no SIP and no tone readable on the wire, the tone in the echo', async (test) => {
    const { lab, baresip } = await encryptedLab(test);
    const wire = await providerWire(lab);
    const run = await runNatter(
      lab,
      [
        'call',
        '4443',
        ...['--server', `${PUBLIC.provider}:${PROVIDER_TLS_PORT}`, '--user', LAB_USER],
        ...STUN_ARGS,
        ...['--transport', 'tls', '--ca', labCertificates().ca.caFile],
        ...['--srtp', 'required', '--seconds', '5', '--json'],
      ],
      { timeoutMs: 60_000 },
    );
    await delay(300);
    const seen = await wire.stop();
    const log = logOf(run, baresip);
    const report = run.json as unknown as EncryptedCallReport;
    expect(report, log).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
      transport: 'tls',
      srtp: { suite: SUITE, active: true },
    });
    expect(run.code, log).toBe(0);
    // The signalling: all of it in TLS records on 5061, nothing readable, nothing on UDP 5060.
    expect(clientFlow(seen.tcp, PROVIDER_TLS_PORT).length).toBeGreaterThan(5);
    expect(clearTextSip(seen)).toEqual([]);
    expect(seen.tcp.filter((s) => s.payload.toString('latin1').includes('SIP/2.0'))).toEqual([]);
    expect(
      seen.udp.filter(
        (p) =>
          (p.src === PUBLIC.router || p.dst === PUBLIC.router) &&
          (p.sport === PROVIDER_SIP_PORT || p.dport === PROVIDER_SIP_PORT),
      ),
    ).toEqual([]);
    // The media: our RTP and baresip's echo on the wire, and not a trace of the tone in either.
    const ours = wireFrames(seen.udp, 'from');
    const theirs = wireFrames(seen.udp, 'to');
    expect(ours.length, log).toBeGreaterThan(100);
    expect(theirs.length, log).toBeGreaterThan(100);
    expect(toneShare(ours)).toBeLessThan(0.02);
    expect(toneShare(theirs)).toBeLessThan(0.02);
    // The phone decrypted the echo and heard its own tone in it.
    expect(report.rtp.received, log).toBeGreaterThan(100);
    expect(report.toneDetected, log).toBe(true);
    expect(baresip.output()).not.toMatch(BARESIP_SRTP_FAILURE);
  }, 90_000);
});

describe.skipIf(skip)('the encrypted call through the TURN relay', () => {
  it('SRTP via coturn: baresip talks to the relayed address, no tone on the wire, the tone in the echo', async (test) => {
    const { lab, baresip } = await encryptedLab(test);
    const turn = await startTurnServer(lab);
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    // The relay and baresip share the internet namespace (and an address): what passes between
    // them goes over its loopback.
    const relayWire = await startCapture(lab, lab.internet, 'lo');
    const run = await runNatter(
      lab,
      [
        'call',
        '4443',
        ...['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER],
        ...STUN_ARGS,
        ...['--turn', turn.server, '--turn-user', TURN_USER, '--turn-policy', 'always'],
        ...['--srtp', 'required', '--seconds', '5', '--json'],
      ],
      { timeoutMs: 60_000, env: { NATTER_TURN_PASSWORD: TURN_PASSWORD } },
    );
    await delay(300);
    const packets = await wire.stop();
    const relayPackets = await relayWire.stop();
    const log = `${logOf(run, baresip)}\n--- coturn ---\n${turn.output().slice(-2000)}`;
    const report = run.json as unknown as EncryptedCallReport;
    expect(report, log).toMatchObject({
      registered: true,
      answered: true,
      oneWayAudio: false,
      srtp: { suite: SUITE, active: true },
      relay: { relayed: { address: TURN_ADDRESS } },
    });
    expect(run.code, log).toBe(0);
    const relayed = { address: TURN_ADDRESS, port: report.relay!.relayed!.port };
    // The offer baresip got names the relay, and it sends its SRTP there from where it answered.
    const { offers, farEnd: callee } = offersAndAnswers(packets);
    const offer = offers.find((m) => m.sdp?.audioPort);
    expect(offer?.sdp, log).toMatchObject({ connection: TURN_ADDRESS, audioPort: relayed.port });
    const toCallee = rtpPackets(relayPackets, { from: relayed, to: callee });
    const fromCallee = rtpPackets(relayPackets, { from: callee, to: relayed });
    const flows = JSON.stringify([...rtpFlows(relayPackets)]);
    expect(toCallee.length, flows + log).toBeGreaterThan(100);
    expect(fromCallee.length, flows + log).toBeGreaterThan(100);
    // Nothing of the call's media between the router and baresip directly.
    expect(rtpPackets(packets, { from: { address: PUBLIC.router }, to: callee })).toEqual([]);
    expect(rtpPackets(packets, { from: callee, to: { address: PUBLIC.router } })).toEqual([]);
    // Encrypted both ways on the callee's wire: not a trace of the tone in the payloads.
    const ours = wireFrames(toCallee, 'from', TURN_ADDRESS);
    const theirs = wireFrames(fromCallee, 'to', TURN_ADDRESS);
    expect(ours.length).toBeGreaterThan(100);
    expect(theirs.length).toBeGreaterThan(100);
    expect(toneShare(ours)).toBeLessThan(0.02);
    expect(toneShare(theirs)).toBeLessThan(0.02);
    // baresip opened our audio to echo it, and the phone decrypted the echo and heard the tone.
    expect(report.rtp.received, log).toBeGreaterThan(100);
    expect(report.toneDetected, log).toBe(true);
    expect(baresip.output()).not.toMatch(BARESIP_SRTP_FAILURE);
  }, 90_000);
});

/** SRTP over UDP signalling: the call's SIP and RTP on the provider's wire, both routers'. */
async function encryptedUdpCall(
  test: TestContext,
  extraArgs: string[],
  options: { secondRouter?: boolean; during?: (lab: Lab) => Promise<number> } = {},
): Promise<{
  report: EncryptedCallReport;
  packets: UdpPacket[];
  run: NatterRun;
  log: string;
  /** When the event the scenario is about happened (seconds, wire clock). */
  changedAt: number | null;
}> {
  const { lab, baresip } = await encryptedLab(test, options);
  const wires = await Promise.all([
    startCapture(lab, lab.internet, lab.internetInterface),
    ...(options.secondRouter ? [startCapture(lab, lab.internet, lab.secondInternetInterface)] : []),
  ]);
  const running = runNatter(
    lab,
    [
      'call',
      '4443',
      ...['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER],
      ...STUN_ARGS,
      ...['--srtp', 'required', '--json'],
      ...extraArgs,
    ],
    { timeoutMs: 90_000 },
  );
  const changedAt = options.during ? await options.during(lab) : null;
  const run = await running;
  await delay(300);
  const packets = (await Promise.all(wires.map((wire) => wire.stop())))
    .flat()
    .sort((a, b) => a.time - b.time);
  return {
    report: run.json as unknown as EncryptedCallReport,
    packets,
    run,
    log: logOf(run, baresip),
    changedAt,
  };
}

/** The INVITEs the phone sent, and baresip's answers to them (its 200s), in wire order. */
function offersAndAnswers(packets: UdpPacket[]) {
  const sip = sipPackets(packets);
  const phone: string[] = [PUBLIC.router, PUBLIC.secondRouter];
  const answers = sip.filter(
    (m) => m.status === 200 && m.cseq?.method === 'INVITE' && phone.includes(m.dst),
  );
  return {
    offers: sip.filter((m) => m.method === 'INVITE' && phone.includes(m.src)),
    answers,
    /** Where baresip's media comes from, as its first answer says. */
    farEnd: {
      address: answers[0]?.sdp?.connection ?? 'none',
      port: answers[0]?.sdp?.audioPort ?? 0,
    },
  };
}

/** The `inline:` keys of a message's `a=crypto` lines. */
function inlineKeys(text: string): string[] {
  return [...text.matchAll(/a=crypto:\d+ \S+ inline:([A-Za-z0-9+/]{40})/g)].map((m) => m[1]!);
}

describe.skipIf(skip)('SRTP keys and rollover counters across re-INVITEs', () => {
  it('held and resumed: the same key re-offered and answered, our audio after the resume opened by baresip without a failure', async (test) => {
    const { report, packets, log } = await encryptedUdpCall(test, [
      ...['--hold', '3,4', '--seconds', '13'],
    ]);
    expect(report, log).toMatchObject({
      registered: true,
      answered: true,
      srtp: { suite: SUITE, active: true },
    });
    const { offers, answers, farEnd } = offersAndAnswers(packets);
    // The offer baresip answered first (after the digest challenge), the hold, the resume.
    const first = offers.filter((m) => m.time < answers[0]!.time).at(-1);
    const hold = offers.find((m) => /a=sendonly/.test(m.text));
    const resume = offers.find((m) => m.time > (hold?.time ?? Infinity));
    expect(resume, offers.map((m) => m.startLine).join('\n')).toBeDefined();
    expect(resume!.text).toMatch(/a=sendrecv/);
    // RFC 4568 §7.1.4: the same key under the same tag in every offer of the call.
    const firstKey = inlineKeys(first!.text)[0];
    expect(firstKey).toBeDefined();
    expect(inlineKeys(hold!.text)).toEqual([firstKey]);
    expect(inlineKeys(resume!.text)).toEqual([firstKey]);
    expect(answers.length, log).toBeGreaterThanOrEqual(3);
    // baresip answered each offer with its own key unchanged, and its SRTP up to the hold opens
    // in order under it. It sends nothing after the resume: baresip 1.0.0 stops its audio source
    // for a recvonly answer and does not start it again (its log shows the player restarted, the
    // source not), with or without SRTP; so the far end's judgement after the resume is what it
    // received: our audio, encrypted, which it opened without an auth or replay failure.
    expect(new Set(answers.map((m) => inlineKeys(m.text)[0])).size).toBe(1);
    const opened = openFarEndSrtp(packets, answers, farEnd);
    expect(opened.rejected, log).toBe(0);
    expect(opened.frames.length, log).toBeGreaterThan(100);
    expect(toneShare(opened.frames.map((f) => f.frame))).toBeGreaterThan(0.5);
    // Ours after the resume reached baresip encrypted, and the phone heard the echo (before).
    const oursAfter = rtpPackets(packets, {
      from: { address: PUBLIC.router },
      to: farEnd,
    }).filter((p) => p.time > resume!.time);
    expect(oursAfter.length).toBeGreaterThan(150);
    expect(toneShare(wireFrames(oursAfter, 'from'))).toBeLessThan(0.02);
    expect(report.toneDetected, log).toBe(true);
    expect(log).not.toMatch(BARESIP_SRTP_FAILURE);
  }, 120_000);

  it('the phone moves to another router mid-call: the re-INVITE keeps the key, the echo goes on with the tone', async (test) => {
    const { report, packets, log, changedAt } = await encryptedUdpCall(test, ['--seconds', '18'], {
      secondRouter: true,
      during: async (lab) => {
        await waitFor(() => lab.exec(lab.internet, 'ss', ['-uan']).includes(':16200'), 10_000);
        await delay(4000);
        const at = Date.now() / 1000;
        lab.moveClientToSecondRouter();
        return at;
      },
    });
    expect(report, log).toMatchObject({
      registered: true,
      answered: true,
      srtp: { suite: SUITE, active: true },
    });
    const { offers, answers, farEnd } = offersAndAnswers(packets);
    const first = offers.find((m) => m.src === PUBLIC.router && m.sdp?.audioPort);
    const moved = offers.find(
      (m) => m.src === PUBLIC.secondRouter && m.sdp?.connection === PUBLIC.secondRouter,
    );
    expect(moved, offers.map((m) => `${m.src} ${m.startLine}`).join('\n') + log).toBeDefined();
    expect(moved!.time).toBeGreaterThan(changedAt!);
    expect(inlineKeys(moved!.text)).toEqual([inlineKeys(first!.text)[0]]);
    const opened = openFarEndSrtp(packets, answers, farEnd);
    const flows = JSON.stringify([...rtpFlows(packets)]);
    expect(opened.rejected, flows + log).toBe(0);
    const toNewRouter = opened.frames.filter((f) => f.time > moved!.time + 0.5);
    expect(toNewRouter.length, `${flows} ${opened.frames.length}`).toBeGreaterThan(150);
    expect(toneShare(toNewRouter.map((f) => f.frame))).toBeGreaterThan(0.5);
    const oursAfter = rtpPackets(packets, {
      from: { address: PUBLIC.secondRouter },
      to: farEnd,
    });
    expect(oursAfter.length, log).toBeGreaterThan(150);
    expect(toneShare(wireFrames(oursAfter, 'from', PUBLIC.secondRouter))).toBeLessThan(0.02);
    expect(log).not.toMatch(BARESIP_SRTP_FAILURE);
  }, 120_000);
});
