/**
 * A caller that writes G.722 as `G722/16000` (its audio rate; RFC 3551 says 8000), calling
 * `natter listen` behind a cone NAT through Kamailio: sipp on the carrier's side, echoing RTP.
 * Judged on the provider's side of the wire:
 *
 * - The answer (our 200 OK, through the NAT) takes G.722 in the caller's own words: payload type
 *   9, `a=rtpmap:9 G722/16000`. Our RTP is G.722, 160 octets per 20 ms, stamped on the 8000
 *   clock (+160 a packet), and carries our 5 kHz tone as any G.722 decoder reads it at 16 kHz; the
 *   listener hears the tone in the caller's echo, so the audio is wideband both ways.
 * - The control, the same call to a listener with `--codecs PCMU,PCMA`: answered PCMU (payload
 *   type 0) with audio both ways, the answer this offer got before `G722/16000` was understood.
 *   (That a 5 kHz tone does not cross G.711, so the tone checks can fail, wideband-call.test.ts
 *   shows.)
 */
import { describe, expect, it } from 'vitest';
import { AUDIO_FRAME_MS, AUDIO_FRAME_SAMPLES } from '../../src-shared/audio-format.js';
import { G722Decoder, G722_SAMPLE_RATE } from '../../src-main/media/g722.js';
import { ToneDetector } from '../../src-main/media/tone.js';
import { RTP_CLOCK_RATE } from '../../src-main/media/voice-codec.js';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { rtpPackets, sipPackets, startCapture, type UdpPacket } from './support/capture.js';
import { CARRIER, startCarrier, startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import { LAB_USER, PROVIDER_SIP_PORT, runNatter, startCoturn, waitFor } from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: a caller offering G722/16000',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'tshark', 'turnserver']),
);
installLabCleanup();

const TONE_HZ = 5000;
const G722_PT = 9;
const KEEPALIVE_PT = 127;
/** A second of audio at least, whatever a busy machine made of the call's 6 s. */
const MIN_PACKETS = 50;
const RTP_HEADER_BYTES = 12;
/** G.722 codes two 16 kHz samples in one octet. */
const G722_OCTETS_PER_PACKET = AUDIO_FRAME_SAMPLES / 2;
/** A packet's timestamp step on RFC 3551's 8000 clock. */
const TIMESTAMP_STEP = (RTP_CLOCK_RATE * AUDIO_FRAME_MS) / 1000;

type ListenedCall = ListenReportJson['calls'][number] & { toneDetected?: boolean };

async function callFromG722Phone(codecArgs: string[], labs: Lab[]) {
  const lab = createLab({ nat: 'cone' });
  labs.push(lab);
  await startCoturn(lab);
  const kamailio = await startKamailio(lab);
  const wire = await startCapture(lab, lab.internet, lab.internetInterface);
  const listening = runNatter(
    lab,
    [
      'listen',
      ...['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER],
      ...['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`],
      ...['--answer', '--tone', String(TONE_HZ), '--seconds', '15', '--json'],
      ...codecArgs,
    ],
    { timeoutMs: 60_000 },
  );
  // The CLI takes seconds to start on a busy machine; its --seconds run from the registration.
  const registered = await waitFor(() => kamailio.location().length > 0, 30_000);
  const caller = registered
    ? await startCarrier(lab, 'caller', { scenario: 'kamailio-caller-g722-16000.xml' })
    : null;
  const run = await listening;
  const packets = await wire.stop();
  const calls = ((run.json as unknown as ListenReportJson | null)?.calls ?? []) as ListenedCall[];
  const log = [
    ...sipPackets(packets).map((m) => `${m.src}:${m.sport} > ${m.dst}:${m.dport} ${m.startLine}`),
    `listen exit ${run.code} after ${run.elapsedMs} ms`,
    run.stdout.slice(-2000),
    run.stderr.slice(-1500),
    caller?.output().slice(-800) ?? 'the caller never started: the listener did not register',
  ].join('\n');
  return { calls, packets, log, callerExit: caller ? await caller.exited : null };
}

/** Our 200 OK to the INVITE, as it left the router. */
function ourAnswer(packets: UdpPacket[]): string {
  return (
    sipPackets(packets).find(
      (m) => m.status === 200 && m.cseq?.method === 'INVITE' && m.src === PUBLIC.router,
    )?.text ?? ''
  );
}

/** Our RTP to the caller's media port (or the caller's echo of it), with its header fields. */
function media(packets: UdpPacket[], direction: 'ours' | 'echo' = 'ours') {
  const caller = { address: CARRIER.address, port: CARRIER.callerMediaPort };
  const listener = { address: PUBLIC.router };
  return rtpPackets(
    packets,
    direction === 'ours' ? { from: listener, to: caller } : { from: caller, to: listener },
  ).map((packet) => ({
    payloadType: packet.payload[1]! & 0x7f,
    timestamp: packet.payload.readUInt32BE(4),
    payload: packet.payload.subarray(RTP_HEADER_BYTES),
  }));
}

/** Share of 20 ms frames, decoded from the wire at 16 kHz, that carry the 5 kHz tone. */
function wideToneShare(payloads: Uint8Array[]): number {
  const decoder = new G722Decoder();
  const detector = new ToneDetector({ frequency: TONE_HZ, sampleRate: G722_SAMPLE_RATE });
  for (const payload of payloads) detector.push(decoder.decode(payload));
  return payloads.length === 0 ? 0 : detector.toneFrames / payloads.length;
}

describe.skipIf(skip)('a caller offering G722/16000, to listen through a cone NAT', () => {
  it('is answered G.722 as it wrote it (9 G722/16000), stamped at 8000, 5 kHz both ways; the PCMU-only control is not', async (test) => {
    const labs: Lab[] = [];
    test.onTestFinished(() => {
      for (const lab of labs) lab.destroy();
    });
    const [wide, control] = await Promise.all([
      callFromG722Phone([], labs),
      callFromG722Phone(['--codecs', 'PCMU,PCMA'], labs),
    ]);

    let log = wide.log;
    expect(wide.callerExit, log).toBe(0);
    const answer = ourAnswer(wide.packets);
    expect(answer, log).toMatch(/m=audio \d+ RTP\/AVP 9 101\r\n/);
    expect(answer).toContain('a=rtpmap:9 G722/16000\r\n');
    expect(answer).not.toContain('G722/8000');
    expect(answer).toContain(`c=IN IP4 ${PUBLIC.router}\r\n`);
    // Our voice packets; besides them at most a keepalive or two (RFC 6263: a payload type the
    // call does not use, 127) while the audio was late on a busy machine.
    const sent = media(wide.packets);
    const ours = sent.filter((p) => p.payloadType === G722_PT);
    const others = sent.filter((p) => p.payloadType !== G722_PT);
    expect(ours.length, log).toBeGreaterThan(MIN_PACKETS);
    expect(
      others.every((p) => p.payloadType === KEEPALIVE_PT) && others.length <= 3,
      JSON.stringify(others.map((p) => p.payloadType)),
    ).toBe(true);
    // 160 octets (320 samples of 16 kHz) a packet, the timestamp +160 a packet: the 8000 clock
    // (a 16000 clock would step by 320). A sender that fell behind on a busy machine skips a
    // packet and its timestamp goes on: whole packets' steps, most of them one packet.
    expect(ours.every((p) => p.payload.length === G722_OCTETS_PER_PACKET)).toBe(true);
    const steps = ours.slice(1).map((p, i) => (p.timestamp - ours[i]!.timestamp) >>> 0);
    expect(
      steps.every((step) => step > 0 && step % TIMESTAMP_STEP === 0),
      `${steps}`,
    ).toBe(true);
    expect(steps.filter((step) => step === TIMESTAMP_STEP).length).toBeGreaterThan(
      steps.length / 2,
    );
    // Our tone as a G.722 decoder reads it at 16 kHz, in our packets and in the caller's echo,
    // and the listener heard it in the echo it decoded.
    expect(wideToneShare(ours.map((p) => p.payload))).toBeGreaterThan(0.9);
    const echo = media(wide.packets, 'echo');
    expect(echo.length, log).toBeGreaterThan(MIN_PACKETS);
    expect(wideToneShare(echo.map((p) => p.payload))).toBeGreaterThan(0.5);
    expect(wide.calls, log).toHaveLength(1);
    expect(wide.calls[0], log).toMatchObject({
      answered: true,
      oneWayAudio: false,
      toneDetected: true,
    });

    log = control.log;
    expect(control.callerExit, log).toBe(0);
    expect(ourAnswer(control.packets), log).toMatch(/m=audio \d+ RTP\/AVP 0 101\r\n/);
    expect(media(control.packets).length, log).toBeGreaterThan(MIN_PACKETS);
    expect(media(control.packets).filter((p) => p.payloadType === 0).length).toBeGreaterThan(
      MIN_PACKETS,
    );
    expect(media(control.packets).filter((p) => p.payloadType === G722_PT)).toEqual([]);
    expect(media(control.packets, 'echo').length, log).toBeGreaterThan(MIN_PACKETS);
    expect(control.calls[0], log).toMatchObject({ answered: true, oneWayAudio: false });
  }, 90_000);
});
