/**
 * A far end that writes G.722's rtpmap as `G722/16000` (its audio rate, not RFC 3551's 8000),
 * played by a bare UDP socket on loopback against a real CallMedia: the offer is answered with
 * G.722 under the offer's payload type and rtpmap; our RTP then carries G.722 (160 octets a
 * 20 ms packet) stamped on the 8000 clock; and the far end's tone is heard whether it steps its
 * timestamps by 160 or by 320 a packet.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIO_FRAME_MS, AUDIO_FRAME_SAMPLES } from '../../../src-shared/audio-format.js';
import { CallMedia } from '../../../src-main/engine/call-media.js';
import { G722Encoder } from '../../../src-main/media/g722.js';
import { parseRtp, serializeRtp, type RtpPacket } from '../../../src-main/media/rtp-packet.js';
import { parseAudioSdp } from '../../../src-main/media/sdp.js';
import { RTP_CLOCK_RATE } from '../../../src-main/media/voice-codec.js';
import { ToneDetector, ToneGenerator } from '../../../src-main/media/tone.js';
import { natStrategy } from '../../../src-main/nat/index.js';

const environment = {
  settings: {
    stunServers: [],
    stunEnabled: false,
    stunDeadlineMs: 200,
    stunRtoMs: 50,
    turn: null,
    turnPolicy: 'never' as const,
    natStrategy: 'none' as const,
  },
  localAddress: '127.0.0.1',
  bindAddress: '127.0.0.1',
};

const FAR_END_TONE_HZ = 5000;
const PAYLOAD_TYPE = 98;
/** A 20 ms packet's timestamp step on RFC 3551's 8000 clock, and on the audio's 16 kHz. */
const STEP_AT_8000 = (RTP_CLOCK_RATE * AUDIO_FRAME_MS) / 1000;
const STEP_AT_16000 = AUDIO_FRAME_SAMPLES;

function offerFrom(port: number): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${PAYLOAD_TYPE} 0 101`,
    `a=rtpmap:${PAYLOAD_TYPE} G722/16000`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a far end offering G722/16000, against CallMedia on loopback', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function answeredCall(timestampStep: number) {
    const farEnd: Socket = createSocket('udp4');
    farEnd.bind(0, '127.0.0.1');
    await once(farEnd, 'listening');
    const heard = new ToneDetector({ frequency: FAR_END_TONE_HZ });
    const media = new CallMedia({
      nat: natStrategy('none', environment),
      strategyFor: (id) => natStrategy(id, environment),
      advertiseRtcp: false,
      codecs: ['G722', 'PCMU', 'PCMA'],
      telephoneEventPt: 101,
      audioSource: () => {
        const tone = new ToneGenerator({ frequency: 1000 });
        return () => tone.next();
      },
      onAudio: (frame) => heard.push(frame),
    });
    const received: RtpPacket[] = [];
    farEnd.on('message', (datagram) => {
      const packet = parseRtp(datagram);
      if (!packet) return;
      received.push({ ...packet, payload: Uint8Array.from(packet.payload) });
    });
    cleanups.push(() => {
      media.close();
      farEnd.close();
    });
    media.applyRemoteDescription(offerFrom(farEnd.address().port));
    const answer = await media.localDescription({ hold: false });
    const ours = parseAudioSdp(answer);
    if (!ours.ok) throw new Error(`our answer does not parse: ${ours.reason}`);
    // The far end's tone, G.722-coded, to the address our answer names, one packet per 20 ms.
    const encoder = new G722Encoder();
    const tone = new ToneGenerator({ frequency: FAR_END_TONE_HZ });
    let sequenceNumber = 1000;
    let timestamp = 50_000;
    const sender = setInterval(() => {
      const payload = encoder.encode(tone.next());
      const datagram = serializeRtp({
        marker: false,
        payloadType: PAYLOAD_TYPE,
        sequenceNumber: sequenceNumber++,
        timestamp,
        ssrc: 0x1234,
        payload,
      });
      timestamp += timestampStep;
      farEnd.send(datagram, ours.audioPort, ours.connection);
    }, 20);
    cleanups.unshift(() => clearInterval(sender));
    return { answer, received, heard };
  }

  it('is answered G.722 under its payload type and rtpmap; our RTP is stamped on the 8000 clock', async () => {
    const { answer, received, heard } = await answeredCall(STEP_AT_8000);
    expect(answer).toContain(`m=audio `);
    expect(answer).toMatch(new RegExp(`m=audio \\d+ RTP/AVP ${PAYLOAD_TYPE} 101\\r\\n`));
    expect(answer).toContain(`a=rtpmap:${PAYLOAD_TYPE} G722/16000\r\n`);
    expect(answer).not.toContain('PCMU');
    await wait(1500);
    expect(received.length).toBeGreaterThan(10);
    const audio = received.filter((packet) => packet.payloadType === PAYLOAD_TYPE);
    // Besides the voice, nothing but an RTP keepalive (RFC 6263: a payload type the call does
    // not use, 127) while the audio runs late on a busy machine.
    const others = received.filter((packet) => packet.payloadType !== PAYLOAD_TYPE);
    expect(others.every((packet) => packet.payloadType === 127)).toBe(true);
    expect(audio.length).toBeGreaterThan(10);
    // G.722 at 64 kbit/s: one octet per two 16 kHz samples, so 160 octets per 20 ms...
    expect(new Set(audio.map((packet) => packet.payload.length))).toEqual(
      new Set([AUDIO_FRAME_SAMPLES / 2]),
    );
    // ...and the timestamp advances 160 a packet: the 8000 clock of RFC 3551, whatever the
    // rtpmap said, as pjsip, baresip and Asterisk stamp it. (A sender that fell behind skips a
    // packet and its timestamp goes on: steps of a whole number of packets.)
    const packetTime = STEP_AT_8000;
    const steps = audio.slice(1).map((packet, i) => (packet.timestamp - audio[i]!.timestamp) >>> 0);
    expect(steps.every((step) => step > 0 && step % packetTime === 0)).toBe(true);
    expect(steps.filter((step) => step === packetTime).length).toBeGreaterThan(steps.length / 2);
    expect(heard.toneFrames).toBeGreaterThan(10);
  });

  it('plays a far end that steps its timestamps by 320 (its 16 kHz) as well', async () => {
    const { heard } = await answeredCall(STEP_AT_16000);
    await wait(1500);
    expect(heard.toneFrames).toBeGreaterThan(10);
  });
});
