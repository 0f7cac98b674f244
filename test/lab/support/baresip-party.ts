/**
 * baresip as a far party on loopback that calls the phone through the provider's front door,
 * speaking a steady tone (the `aufile` source, a WAV written here); and what such a party
 * received, read from a capture of the datagrams that arrived at its RTP ports. (baresip 1.0's
 * own recording of what it decodes, the `sndfile` filter, stops for good once a call has been
 * held, so it cannot tell what a resumed party hears.)
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIO_SAMPLE_RATE } from '../../../src-shared/audio-format.js';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { decodeG711 } from '../../../src-main/media/g711.js';
import { ToneDetector } from '../../../src-main/media/tone.js';
import { isRtp, readPcap, type UdpPacket } from './capture.js';
import { delay, waitFor } from './wait.js';

const WAV_HEADER_BYTES = 44;
/**
 * The parties speak G.711, whose audio is 8 kHz: baresip without a resampler module must run its
 * source at the codec's rate, whatever rate our own link runs at.
 */
export const PARTY_SAMPLE_RATE = 8000;
/** 20 ms of audio at a rate. */
const frameSamplesAt = (rate: number) => rate / 50;

export interface BaresipParty {
  process: ChildProcess;
  output(): string;
  /** The first of the ten RTP/RTCP ports it may use. */
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
 * Starts baresip as `user`, calling `target` (the phone's account at the provider's front door)
 * with one codec, speaking `frequency` Hz. Ports are picked at random on the shared loopback.
 */
export async function startBaresipParty(options: {
  user: string;
  frequency: number;
  codec: 'PCMU' | 'PCMA';
  front: TransportAddress;
  callee: string;
  /** The first of its ten RTP/RTCP ports; a random pick by default. */
  rtpPort?: number;
}): Promise<BaresipParty> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-party-'));
  const tone = join(dir, 'tone.wav');
  writeToneWav(tone, options.frequency, 60);
  const sipPort = 30000 + Math.floor(Math.random() * 5000) * 2;
  const rtpPort = options.rtpPort ?? randomRtpPort();
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'audio_player aubridge,party',
      `audio_source aufile,${tone}`,
      'audio_alert aubridge,party',
      `audio_srate ${PARTY_SAMPLE_RATE}`,
      'audio_channels 1',
      `rtp_ports ${rtpPort}-${rtpPort + 9}`,
      'rtcp_mux no',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aubridge.so',
      'module aufile.so',
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `"${options.user}" <sip:${options.user}@127.0.0.1>;regint=0;audio_codecs=${options.codec}\n`,
  );
  const target = `sip:${options.callee}@${options.front.address}:${options.front.port}`;
  const child = spawn('baresip', ['-f', dir, '-n', '127.0.0.1', '-v', '-e', `/dial ${target}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const dialled = await waitFor(
    () => child.exitCode !== null || output.includes('connecting to'),
    10_000,
  );
  if (!dialled || child.exitCode !== null) {
    throw new Error(`baresip did not call: ${output.slice(-1500)}`);
  }
  return {
    process: child,
    output: () => output,
    rtpPorts: { first: rtpPort, last: rtpPort + 9 },
  };
}

/** The first of ten ports for a party's RTP, picked at random on the shared loopback. */
export function randomRtpPort(): number {
  return 40000 + Math.floor(Math.random() * 2000) * 10;
}

export interface LoopbackCapture {
  /** Stops tshark and returns the UDP packets it saw. */
  stop(): Promise<UdpPacket[]>;
}

/** tshark on loopback with a capture filter; resolves once it is capturing. */
export async function captureLoopback(filter: string): Promise<LoopbackCapture> {
  const file = join(mkdtempSync(join(tmpdir(), 'natter-capture-')), 'lo.pcap');
  const child = spawn('tshark', ['-q', '-n', '-i', 'lo', '-f', filter, '-F', 'pcap', '-w', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const capturing = await waitFor(
    () => output.includes('Capturing on') || child.exitCode !== null,
    30_000,
  );
  if (!capturing || child.exitCode !== null) {
    throw new Error(`tshark did not start on lo: ${output.slice(-500)}`);
  }
  return {
    stop: async () => {
      // dumpcap reads the kernel's buffer in batches: let it catch up before it is stopped.
      await delay(750);
      const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
      child.kill('SIGINT');
      await Promise.race([exited, delay(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      return readPcap(file);
    },
  };
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
