import { renameSync, writeFileSync } from 'node:fs';
import { encodeG711 } from '../../../src-main/media/g711.js';
import { ToneGenerator } from '../../../src-main/media/tone.js';

const PCAP_MAGIC = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
const FRAME_MS = 20;

/**
 * A capture of a PCMU stream carrying a steady tone, in the pcap form sipp's `play_pcap_audio`
 * replays (Ethernet, IPv4, UDP, RTP; packets 20 ms apart), so a sipp provider can send a known
 * tone where `-rtp_echo` would only return ours. Written atomically: suites may share the file.
 */
export function writeTonePcap(path: string, frequency: number, seconds: number): void {
  // PCMU on the wire: 8 kHz audio, 160 samples a packet, whatever rate the app's link runs at.
  const tone = new ToneGenerator({ frequency, sampleRate: 8000, frameSamples: 160 });
  const packets = Math.round((seconds * 1000) / FRAME_MS);
  const records: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(PCAP_MAGIC, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  records.push(global);
  for (let i = 0; i < packets; i++) {
    const payload = encodeG711(tone.next(), 'PCMU');
    const rtp = Buffer.alloc(12 + payload.length);
    rtp.writeUInt8(0x80, 0);
    rtp.writeUInt8(i === 0 ? 0x80 : 0, 1); // PT 0 (PCMU), marker on the first
    rtp.writeUInt16BE(i & 0xffff, 2);
    rtp.writeUInt32BE((i * payload.length) >>> 0, 4);
    rtp.writeUInt32BE(0x600d7013, 8);
    Buffer.from(payload).copy(rtp, 12);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(6000, 0);
    udp.writeUInt16BE(6000, 2);
    udp.writeUInt16BE(8 + rtp.length, 4);
    const ip = Buffer.alloc(20);
    ip.writeUInt8(0x45, 0);
    ip.writeUInt16BE(20 + udp.length + rtp.length, 2);
    ip.writeUInt8(64, 8);
    ip.writeUInt8(17, 9);
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 1], 16);
    const ethernet = Buffer.alloc(14);
    ethernet.writeUInt16BE(0x0800, 12);
    const frame = Buffer.concat([ethernet, ip, udp, rtp]);
    const header = Buffer.alloc(16);
    const micros = i * FRAME_MS * 1000;
    header.writeUInt32LE(Math.floor(micros / 1e6), 0);
    header.writeUInt32LE(micros % 1e6, 4);
    header.writeUInt32LE(frame.length, 8);
    header.writeUInt32LE(frame.length, 12);
    records.push(header, frame);
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, Buffer.concat(records));
  renameSync(temporary, path);
}
