/**
 * A long hold through a router that forgets idle UDP mappings: the provider holds the call with
 * a=inactive (no audio either way), resumes it, and its audio must reach the phone, and ours the
 * provider from the port our SDP named, at once. RFC 6263 keepalives on the RTP socket hold the
 * mapping; the control (--media-keepalive 0) shows the router forgetting it, so the provider's
 * audio after the resume is dropped.
 *
 * The case as it happens at home: a 3-minute hold behind a router that forgets after 20 s, with
 * default settings (an RTP keepalive every 15 s, as often as the SIP one). The held call and its
 * control run side by side, so the pair costs one hold's length.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  rtpFlows,
  rtpPackets,
  sipPackets,
  startCapture,
  type UdpPacket,
} from './support/capture.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
} from './support/peers.js';

const skip = announceSkip(
  'lab: long hold',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack', 'tshark']),
);

const UDP_TIMEOUT_SECONDS = 20;
/** The default media keepalive on hold: the SIP keepalive's 15 s. */
const KEEPALIVE_SECONDS = 15;
/** The hold's length in provider-holds.xml. */
const HOLD_MS = 180_000;
/** After the answer: 2 s of talk, the hold, the resume, then a few seconds of audio. */
const CALL_SECONDS = 2 + HOLD_MS / 1000 + 7;
const PROVIDER_MEDIA = { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT };
const PCMA = 8;

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) lab.destroy();
});

const payloadType = (packet: UdpPacket) => packet.payload[1]! & 0x7f;

async function callWithLongHold(extraFlags: string[]) {
  const lab = createLab({ nat: 'cone', udpTimeoutSeconds: UDP_TIMEOUT_SECONDS });
  labs.push(lab);
  await startCoturn(lab);
  const provider = await startSipp(lab, 'provider-holds.xml', {
    calls: 2,
    // sipp's own bound on the whole run must outlast the hold.
    extraArgs: ['-timeout', `${Math.ceil(HOLD_MS / 1000) + 60}s`],
  });
  const wire = await startCapture(lab, lab.internet, lab.internetInterface);
  const atPhone = await startCapture(lab, lab.client, lab.clientInterface);
  const run = await runNatter(
    lab,
    [
      'call',
      '4443',
      '--server',
      `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--stun',
      `${PUBLIC.stunB}:3478`,
      ...extraFlags,
      '--seconds',
      String(CALL_SECONDS),
      '--json',
    ],
    { timeoutMs: (CALL_SECONDS + 40) * 1000 },
  );
  const [packets, phonePackets] = await Promise.all([wire.stop(), atPhone.stop()]);
  provider.process.kill('SIGKILL');
  const sip = sipPackets(packets);
  const trace = sip
    .map((m) => `${m.time.toFixed(3)} ${m.src}:${m.sport} ${m.startLine}`)
    .join('\n');
  const invite = sip.find((m) => m.method === 'INVITE' && m.src === PUBLIC.router);
  const reInvites = sip.filter((m) => m.method === 'INVITE' && m.src === PUBLIC.provider);
  const [hold, resume] = reInvites;
  const audioPort = invite?.sdp?.audioPort;
  if (!invite || audioPort == null || !hold || !resume) {
    throw new Error(`no INVITE, hold and resume on the wire:\n${trace}\n${run.stderr}`);
  }
  const mapped = { address: PUBLIC.router, port: audioPort };
  const ours = rtpPackets(packets, { from: mapped, to: PROVIDER_MEDIA });
  // The provider's audio starts 200 ms before its resume re-INVITE: all of it counts.
  const resumedAt = resume.time - 0.3;
  const duringHold = ours.filter((p) => p.time > hold.time && p.time < resumedAt);
  const times = [hold.time, ...duringHold.map((p) => p.time), resumedAt];
  const longestSilence = Math.max(...times.slice(1).map((time, i) => time - times[i]!));
  const ourAudioAfter = ours.filter((p) => p.time > resume.time && payloadType(p) === PCMA);
  const theirsAtPhone = rtpPackets(phonePackets, {
    from: PROVIDER_MEDIA,
    to: { address: lab.clientAddress },
  }).filter((p) => p.time > resumedAt);
  const theirsSent = rtpPackets(packets, { from: PROVIDER_MEDIA }).filter(
    (p) => p.time > resumedAt,
  );
  return {
    run,
    trace: `${trace}\n${run.stderr}`,
    flows: JSON.stringify([...rtpFlows(packets)]),
    resume,
    holdKeepalives: duringHold.filter((p) => payloadType(p) !== PCMA),
    longestSilence,
    ourAudioAfter,
    ourAudioElsewhere: rtpPackets(packets, {
      from: { address: PUBLIC.router },
      to: PROVIDER_MEDIA,
    }).filter((p) => p.time > resume.time && p.sport !== audioPort),
    theirsSent,
    theirsAtPhone,
  };
}

describe.skipIf(skip)(
  `a ${HOLD_MS / 1000} s hold behind a router that forgets idle UDP after ${UDP_TIMEOUT_SECONDS} s`,
  () => {
    it(
      'RTP keepalives hold the media mapping: audio both ways within 1 s of the resume; without them the provider’s audio is lost',
      async () => {
        const [held, control] = await Promise.all([
          callWithLongHold([]),
          callWithLongHold(['--media-keepalive', '0']),
        ]);

        // On hold the phone sent no audio, only keepalives of a payload type never negotiated,
        // close enough together for the router.
        expect(held.holdKeepalives.length, `${held.flows}\n${held.trace}`).toBeGreaterThanOrEqual(
          HOLD_MS / 1000 / KEEPALIVE_SECONDS - 2,
        );
        expect(held.holdKeepalives.every((p) => payloadType(p) === 127)).toBe(true);
        expect(held.longestSilence).toBeLessThan(UDP_TIMEOUT_SECONDS);
        // After the resume: the provider's audio reached the phone, and ours reached the provider
        // from the public port our SDP named, both within a second.
        expect(held.theirsSent.length, held.flows).toBeGreaterThan(50);
        expect(held.theirsAtPhone.length, held.flows).toBeGreaterThan(50);
        expect(held.theirsAtPhone[0]!.time - held.resume.time).toBeLessThan(1);
        expect(held.ourAudioAfter.length, held.flows).toBeGreaterThan(100);
        expect(held.ourAudioAfter[0]!.time - held.resume.time).toBeLessThan(1);
        expect(held.ourAudioElsewhere).toHaveLength(0);

        // The control: nothing kept the mapping, the router forgot it, and the provider's audio
        // after the resume, sent to the port the SDP named, never reached the phone.
        expect(control.holdKeepalives).toHaveLength(0);
        expect(control.longestSilence).toBeGreaterThan(UDP_TIMEOUT_SECONDS);
        expect(control.theirsSent.length, control.flows).toBeGreaterThan(50);
        expect(control.theirsAtPhone, control.flows).toHaveLength(0);
      },
      HOLD_MS + 90_000,
    );
  },
);
