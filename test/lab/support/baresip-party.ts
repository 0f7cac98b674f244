/**
 * baresip as a far party behind the lab's provider, on the carrier's address: it registers with
 * Kamailio under its own name, answers the phone's call at once and speaks a steady tone (the
 * `aufile` source, a WAV written here); and what such a party received, read from a capture of
 * the datagrams that arrived at its RTP ports. (baresip 1.0's own recording of what it decodes,
 * the `sndfile` filter, stops for good once a call has been held, so it cannot tell what a
 * resumed party hears.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIO_SAMPLE_RATE } from '../../../src-shared/audio-format.js';
import { decodeG711 } from '../../../src-main/media/g711.js';
import { ToneDetector } from '../../../src-main/media/tone.js';
import { startBaresip, type BaresipHandle } from './baresip.js';
import { isRtp, type UdpPacket } from './capture.js';
import type { KamailioHandle } from './kamailio.js';
import { PUBLIC, type Lab } from './netns-lab.js';
import { PROVIDER_SIP_PORT } from './peers.js';
import { waitFor } from './wait.js';

const WAV_HEADER_BYTES = 44;
/**
 * The parties speak G.711, whose audio is 8 kHz: baresip without a resampler module must run its
 * source at the codec's rate, whatever rate our own link runs at.
 */
export const PARTY_SAMPLE_RATE = 8000;
/** 20 ms of audio at a rate. */
const frameSamplesAt = (rate: number) => rate / 50;

export interface BaresipParty extends BaresipHandle {
  /** The name it registered under, which the phone dials. */
  user: string;
  /** Its RTP/RTCP ports. */
  rtpPorts: { first: number; last: number };
}

/** A mono 16-bit WAV of a steady tone at the parties' rate, as baresip's `aufile` reads it. */
function writeToneWav(path: string, frequency: number, seconds: number): void {
  const samples = PARTY_SAMPLE_RATE * seconds;
  const wav = Buffer.alloc(WAV_HEADER_BYTES + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(PARTY_SAMPLE_RATE, 24);
  wav.writeUInt32LE(PARTY_SAMPLE_RATE * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  const step = (2 * Math.PI * frequency) / PARTY_SAMPLE_RATE;
  for (let i = 0; i < samples; i++) {
    wav.writeInt16LE(Math.round(7000 * Math.sin(step * i)), WAV_HEADER_BYTES + i * 2);
  }
  writeFileSync(path, wav);
}

/**
 * Starts baresip as `user` on the carrier's address at `sipPort`, with ten RTP ports from
 * `rtpPort`, one codec, speaking `frequency` Hz; resolves once Kamailio's location table holds
 * its contact.
 */
export async function startRegisteredParty(
  lab: Lab,
  kamailio: KamailioHandle,
  options: {
    user: string;
    frequency: number;
    codec: 'PCMU' | 'PCMA';
    sipPort: number;
    rtpPort: number;
  },
): Promise<BaresipParty> {
  const { user, rtpPort } = options;
  const handle = await startBaresip(lab, (dir) => {
    const tone = join(dir, 'tone.wav');
    writeToneWav(tone, options.frequency, 60);
    return {
      sipPort: options.sipPort,
      rtpPorts: { first: rtpPort, count: 10 },
      player: 'aubridge,party',
      source: `aufile,${tone}`,
      rates: [`audio_srate ${PARTY_SAMPLE_RATE}`],
      modules: ['g711', 'aubridge', 'aufile'],
      appModules: ['menu'],
      account: `"${user}" <sip:${user}@${PUBLIC.provider}:${PROVIDER_SIP_PORT}>;regint=600;answermode=auto;audio_codecs=${options.codec}`,
    };
  });
  const registered = await waitFor(
    () => handle.process.exitCode !== null || kamailio.location(user).length > 0,
    10_000,
  );
  if (!registered || handle.process.exitCode !== null) {
    throw new Error(`baresip ${user} did not register: ${handle.output().slice(-1500)}`);
  }
  return { ...handle, user, rtpPorts: { first: rtpPort, last: rtpPort + 9 } };
}

/**
 * The audio that arrived at a party's RTP ports between two instants (epoch seconds), decoded
 * from each packet's payload by its payload type (0 PCMU, 8 PCMA), in arrival order.
 */
export function audioArriving(
  packets: UdpPacket[],
  party: BaresipParty,
  window: { from: number; to: number },
): Int16Array {
  const frames: Int16Array[] = [];
  for (const packet of packets) {
    if (packet.time < window.from || packet.time > window.to) continue;
    if (packet.dport < party.rtpPorts.first || packet.dport > party.rtpPorts.last) continue;
    if (!isRtp(packet.payload)) continue;
    const payloadType = packet.payload[1]! & 0x7f;
    const headerBytes = 12 + (packet.payload[0]! & 0x0f) * 4;
    if (payloadType !== 0 && payloadType !== 8) continue;
    frames.push(
      decodeG711(packet.payload.subarray(headerBytes), payloadType === 0 ? 'PCMU' : 'PCMA'),
    );
  }
  return joinFrames(frames);
}

export function joinFrames(frames: readonly Int16Array[]): Int16Array {
  const joined = new Int16Array(frames.reduce((n, frame) => n + frame.length, 0));
  let at = 0;
  for (const frame of frames) {
    joined.set(frame, at);
    at += frame.length;
  }
  return joined;
}

/** 20 ms frames of `samples` (audio at `sampleRate`) that carry `frequency`. */
export function framesWithTone(
  samples: Int16Array,
  frequency: number,
  sampleRate: number = AUDIO_SAMPLE_RATE,
): number {
  const frameSamples = frameSamplesAt(sampleRate);
  const detector = new ToneDetector({ frequency, minShare: 0.2, sampleRate });
  let count = 0;
  for (let at = 0; at + frameSamples <= samples.length; at += frameSamples) {
    if (detector.push(samples.subarray(at, at + frameSamples))) count++;
  }
  return count;
}
