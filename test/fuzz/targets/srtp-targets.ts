/**
 * SRTP and SRTCP as they arrive (RFC 3711): any change to a protected packet is refused, never
 * thrown on, and leaves the receiver able to open the genuine packets that follow.
 */
import fc from 'fast-check';
import { buildRtcpCompound } from '../../../src-main/media/rtcp.js';
import { serializeRtp } from '../../../src-main/media/rtp-packet.js';
import { SrtpContext } from '../../../src-main/media/srtp.js';
import { bytesCodec, check, mustNotThrow, type FuzzTarget } from '../fuzz-target.js';
import { mutatedBytes } from '../mutate.js';

const MASTER = { key: Buffer.alloc(16, 0x2b), salt: Buffer.alloc(14, 0xf0) };
const SEQUENCE_START = 65_530;

/** A sender's packets: RTP across a sequence wrap, then an SRTCP report. */
function protectedPackets(): Buffer[] {
  const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_80', MASTER);
  const packets: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    const rtp = serializeRtp({
      marker: i === 0,
      payloadType: 0,
      sequenceNumber: (SEQUENCE_START + i) & 0xffff,
      timestamp: i * 160,
      ssrc: 0x5eed,
      payload: Buffer.alloc(160, i),
    });
    const secured = sender.protectRtp(rtp);
    if (secured) packets.push(secured);
  }
  const rtcp = sender.protectRtcp(
    buildRtcpCompound({ type: 'rr', ssrc: 0x5eed, blocks: [] }, { cname: 'f' }),
  );
  if (rtcp) packets.push(rtcp);
  return packets;
}

const genuine = protectedPackets();
const genuineRtp = genuine.slice(0, -1);
const genuineRtcp = genuine.at(-1) ?? Buffer.alloc(0);

export const srtpTarget: FuzzTarget<Uint8Array> = {
  name: 'srtp',
  contract:
    'unprotectRtp and unprotectRtcp never throw; a changed packet never opens, and after it ' +
    'the genuine packets still do',
  modules: ['src-main/media/srtp.ts'],
  input: () =>
    fc.oneof(
      mutatedBytes(fc.constant(genuineRtp[2] ?? Buffer.alloc(0))),
      mutatedBytes(fc.constant(genuineRtcp)),
    ),
  execute(datagram) {
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_80', MASTER);
    const bytes = Buffer.from(datagram);
    const rtp = mustNotThrow('unprotectRtp', () => receiver.unprotectRtp(bytes));
    const rtcp = mustNotThrow('unprotectRtcp', () => receiver.unprotectRtcp(bytes));
    const isGenuine = genuine.some((packet) => packet.equals(bytes));
    if (!isGenuine) {
      check(!rtp.ok, 'a changed SRTP packet opened');
      check(!rtcp.ok, 'a changed SRTCP packet opened');
    }
    for (const packet of genuineRtp) {
      if (packet.equals(bytes)) continue;
      check(receiver.unprotectRtp(packet).ok, 'a genuine packet refused after a forged one');
    }
  },
  ...bytesCodec,
};
