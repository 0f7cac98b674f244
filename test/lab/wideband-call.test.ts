/**
 * Wideband audio (G.722) against a third-party peer: Kamailio as the provider, baresip behind it
 * with its `g722` module (spandsp's G.722) answering and echoing at 16 kHz, the phone behind a
 * cone NAT. Judged on the provider's side of the wire and by what baresip sent back.
 *
 * - G.722 offered first: the INVITE's SDP lists payload type 9 first, `a=rtpmap:9 G722/8000`;
 *   baresip answers 9; the RTP both ways is payload type 9, 160 octets per 20 ms, timestamps
 *   advancing by 160 (RFC 3551's clock-rate quirk). Our 5 kHz tone, above G.711's band, is in
 *   our packets (decoded at 16 kHz from the wire) and in baresip's echo: baresip decoded our
 *   G.722, and we decoded its G.722, both at 16 kHz.
 * - The control: the same call with `--codecs PCMU` goes PCMU and the 5 kHz tone does not come
 *   back (G.711 ends at 4 kHz), so the test can fail. A far end that offers only PCMU gets PCMU.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { G722Decoder } from '../../src-main/media/g722.js';
import { ToneDetector } from '../../src-main/media/tone.js';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { startBaresipCallee, type BaresipHandle } from './support/baresip.js';
import { rtpPackets, sipPackets, startCapture, type UdpPacket } from './support/capture.js';
import { dropUnsolicitedUdp } from './support/encrypted-media.js';
import { startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC } from './support/netns-lab.js';
import { delay, LAB_USER, PROVIDER_SIP_PORT, runNatter, startCoturn } from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: the wideband (G.722) call',
  labUnavailableReason(['kamailio', 'kamcmd', 'turnserver', 'tshark', 'baresip']),
);
installLabCleanup();

const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const TONE_HZ = 5000;
const G722_PT = 9;
const PCMU_PT = 0;
const RTP_HEADER_BYTES = 12;

interface WidebandReport extends CallReportJson {
  codec?: string;
  toneFrames?: number;
}

async function wideCall(
  test: TestContext,
  options: { baresipCodecs: string; args: string[] },
): Promise<{ report: WidebandReport; packets: UdpPacket[]; log: string; code: number | null }> {
  const lab = createLab({ nat: 'cone' });
  test.onTestFinished(() => lab.destroy());
  dropUnsolicitedUdp(lab);
  await startCoturn(lab);
  await startKamailio(lab);
  const baresip: BaresipHandle = await startBaresipCallee(lab, {
    mediaenc: null,
    number: '4443',
    audioCodecs: options.baresipCodecs,
  });
  const wire = await startCapture(lab, lab.internet, lab.internetInterface);
  const run = await runNatter(
    lab,
    [
      'call',
      '4443',
      ...['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER],
      ...STUN_ARGS,
      ...['--tone', String(TONE_HZ), '--seconds', '4', '--json'],
      ...options.args,
    ],
    { timeoutMs: 45_000 },
  );
  await delay(300);
  const packets = await wire.stop();
  return {
    report: run.json as unknown as WidebandReport,
    packets,
    log: `${run.stderr}\n--- baresip ---\n${baresip.output().slice(-3000)}`,
    code: run.code,
  };
}

/** The m= line and rtpmaps of the first SDP the phone sent (the offer in its INVITE). */
function offeredSdp(packets: UdpPacket[]): string {
  const invite = sipPackets(packets).find(
    (m) => m.method === 'INVITE' && m.src === PUBLIC.router && m.text.includes('m=audio'),
  );
  return invite?.text ?? '';
}

function answeredSdp(packets: UdpPacket[]): string {
  const answer = sipPackets(packets).find(
    (m) => m.status === 200 && m.cseq?.method === 'INVITE' && m.dst === PUBLIC.router,
  );
  return answer?.text ?? '';
}

/** RTP payloads of one direction (from or to the phone's public address) with their headers. */
function media(packets: UdpPacket[], direction: 'from' | 'to') {
  return rtpPackets(packets, { [direction]: { address: PUBLIC.router } }).map((packet) => ({
    payloadType: packet.payload[1]! & 0x7f,
    timestamp: packet.payload.readUInt32BE(4),
    payload: packet.payload.subarray(RTP_HEADER_BYTES),
  }));
}

/** Share of 20 ms frames, decoded from the wire at 16 kHz, that carry the 5 kHz tone. */
function wideToneShare(payloads: Uint8Array[]): number {
  const decoder = new G722Decoder();
  const detector = new ToneDetector({ frequency: TONE_HZ, sampleRate: 16000 });
  for (const payload of payloads) detector.push(decoder.decode(payload));
  return payloads.length === 0 ? 0 : detector.toneFrames / payloads.length;
}

describe.skipIf(skip)('the wideband call: G.722 with baresip through a cone NAT', () => {
  it('G.722 offered first and answered; a 5 kHz tone crosses both ways at 16 kHz', async (test) => {
    const { report, packets, log, code } = await wideCall(test, {
      baresipCodecs: 'G722/16000/1,PCMU',
      args: [],
    });
    expect(report, log).toMatchObject({ registered: true, answered: true, oneWayAudio: false });
    expect(code, log).toBe(0);
    // On the wire: our offer lists G.722 first (8000, RFC 3551), and baresip answers with it.
    const offer = offeredSdp(packets);
    expect(offer, log).toMatch(/m=audio \d+ RTP\/AVP 9 0 8 101\r\n/);
    expect(offer).toContain('a=rtpmap:9 G722/8000\r\n');
    expect(answeredSdp(packets), log).toMatch(/m=audio \d+ RTP\/AVP 9[ \r]/);
    expect(answeredSdp(packets)).toMatch(/a=rtpmap:9 G722\/8000/);
    expect(report.codec).toBe('G722');
    const ours = media(packets, 'from').filter((p) => p.payloadType === G722_PT);
    const theirs = media(packets, 'to').filter((p) => p.payloadType === G722_PT);
    expect(ours.length, log).toBeGreaterThan(100);
    expect(theirs.length, log).toBeGreaterThan(100);
    expect(media(packets, 'from').filter((p) => p.payloadType === PCMU_PT)).toEqual([]);
    // 160 octets (320 samples of 16 kHz) per packet, the timestamp +160 per packet.
    expect(ours.every((p) => p.payload.length === 160)).toBe(true);
    const steps = ours.slice(1).map((p, i) => (p.timestamp - ours[i]!.timestamp) >>> 0);
    expect(steps.filter((step) => step === 160).length).toBeGreaterThan(steps.length * 0.95);
    // Our tone in our G.722 as any decoder reads it, and in baresip's echo of it.
    expect(wideToneShare(ours.map((p) => p.payload))).toBeGreaterThan(0.9);
    expect(wideToneShare(theirs.map((p) => p.payload)), log).toBeGreaterThan(0.5);
    // And the phone heard it in the echo it decoded.
    expect(report.toneDetected, log).toBe(true);
    expect(report.toneFrames ?? 0, log).toBeGreaterThan(50);
  }, 60_000);

  it('the control: with --codecs PCMU the call goes PCMU and 5 kHz does not come back', async (test) => {
    const { report, packets, log } = await wideCall(test, {
      baresipCodecs: 'PCMU,G722/16000/1',
      args: ['--codecs', 'PCMU'],
    });
    expect(report, log).toMatchObject({ answered: true, oneWayAudio: false, codec: 'PCMU' });
    expect(offeredSdp(packets)).toMatch(/m=audio \d+ RTP\/AVP 0 101\r\n/);
    expect(media(packets, 'from').every((p) => p.payloadType === PCMU_PT)).toBe(true);
    expect(media(packets, 'to').length, log).toBeGreaterThan(100);
    expect(report.toneFrames ?? 0, log).toBeLessThan(5);
  }, 60_000);

  it('a far end offering only PCMU still gets PCMU, with audio both ways', async (test) => {
    const { report, packets, log } = await wideCall(test, { baresipCodecs: 'PCMU', args: [] });
    expect(report, log).toMatchObject({ answered: true, oneWayAudio: false, codec: 'PCMU' });
    expect(offeredSdp(packets)).toMatch(/m=audio \d+ RTP\/AVP 9 0 8 101\r\n/);
    expect(answeredSdp(packets), log).toMatch(/m=audio \d+ RTP\/AVP 0[ \r]/);
    expect(media(packets, 'from').length).toBeGreaterThan(100);
    expect(media(packets, 'to').length).toBeGreaterThan(100);
    expect(media(packets, 'from').every((p) => p.payloadType === PCMU_PT)).toBe(true);
  }, 60_000);
});
