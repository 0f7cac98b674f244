import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildRtcpCompound, parseRtcp } from '../../../src-main/media/rtcp.js';
import { parseRtp, serializeRtp } from '../../../src-main/media/rtp-packet.js';
import {
  aesCmKeystream,
  deriveSessionKeys,
  estimateRoc,
  ReplayWindow,
  SrtpContext,
  type SrtpMasterKey,
  type SrtpSuite,
} from '../../../src-main/media/srtp.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function flip(packet: Buffer, at: number, bits: number): void {
  packet.writeUInt8(packet.readUInt8(at) ^ bits, at);
}

function freshKey(): SrtpMasterKey {
  return { key: randomBytes(16), salt: randomBytes(14) };
}

function rtp(seq: number, payload = Buffer.from('the quick brown fox'), ssrc = 0x11223344) {
  return serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: seq * 160,
    ssrc,
    payload,
  });
}

describe('RFC 3711 Appendix B.2: AES-CM keystream', () => {
  const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const salt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');

  it('gives the first blocks of the vector', () => {
    const stream = aesCmKeystream(key, salt, 0, 0, 48);
    expect(stream.toString('hex').toUpperCase()).toBe(
      'E03EAD0935C95E80E166B16DD92B4EB4' +
        'D23513162B02D0F72A43A2FE4A5F97AB' +
        '41E95B3BB0A2E8DD477901E4FCA894C0',
    );
  });

  it('gives blocks 0xFEFF to 0xFF01 of the vector', () => {
    const stream = aesCmKeystream(key, salt, 0, 0, 0xff02 * 16);
    expect(
      stream
        .subarray(0xfeff * 16)
        .toString('hex')
        .toUpperCase(),
    ).toBe(
      'EC8CDF7398607CB0F2D21675EA9EA1E4' +
        '362B7C3C6773516318A077D7FC5073AE' +
        '6A2CC3787889374FBEB4C81B17BA6C44',
    );
  });
});

describe('RFC 3711 Appendix B.3: key derivation', () => {
  const master = {
    key: hex('E1F97A0D3E018BE0D64FA32C06DE4139'),
    salt: hex('0EC675AD498AFEEBB6960B3AABE6'),
  };

  it('derives the cipher key, salt and authentication key of the vector', () => {
    const keys = deriveSessionKeys(master, 'rtp');
    expect(keys.cipherKey.toString('hex').toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(keys.salt.toString('hex').toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
    expect(keys.authKey.toString('hex').toUpperCase()).toBe(
      'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4',
    );
  });

  it('derives other keys for SRTCP (labels 3 to 5)', () => {
    const rtpKeys = deriveSessionKeys(master, 'rtp');
    const rtcpKeys = deriveSessionKeys(master, 'rtcp');
    expect(rtcpKeys.cipherKey.equals(rtpKeys.cipherKey)).toBe(false);
    expect(rtcpKeys.authKey.equals(rtpKeys.authKey)).toBe(false);
  });

  it('refuses a master key of the wrong size', () => {
    expect(() => deriveSessionKeys({ key: randomBytes(15), salt: randomBytes(14) }, 'rtp')).toThrow(
      RangeError,
    );
  });
});

describe('SRTP round trips', () => {
  for (const [suite, tag] of [
    ['AES_CM_128_HMAC_SHA1_80', 10],
    ['AES_CM_128_HMAC_SHA1_32', 4],
  ] as Array<[SrtpSuite, number]>) {
    it(`${suite}: encrypts the payload, keeps the header, adds a ${tag}-byte tag`, () => {
      const master = freshKey();
      const sender = new SrtpContext(suite, master);
      const receiver = new SrtpContext(suite, master);
      const plain = rtp(1000);
      const secured = sender.protectRtp(plain);
      expect(secured).not.toBeNull();
      if (!secured) return;
      expect(secured.length).toBe(plain.length + tag);
      expect(secured.subarray(0, 12).equals(plain.subarray(0, 12))).toBe(true);
      expect(secured.subarray(12, plain.length).equals(plain.subarray(12))).toBe(false);
      const opened = receiver.unprotectRtp(secured);
      expect(opened.ok && opened.packet.equals(plain)).toBe(true);
    });
  }

  it('passes CSRCs and a header extension in clear and still authenticates them', () => {
    const master = freshKey();
    const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
    const header = Buffer.from([
      0x91, 0x00, 0x00, 0x07, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 0xbe, 0xde, 0x00,
      0x01, 9, 9, 9, 9,
    ]);
    const plain = Buffer.concat([header, Buffer.from('payload')]);
    const secured = sender.protectRtp(plain);
    if (!secured) throw new Error('not protected');
    expect(secured.subarray(0, header.length).equals(header)).toBe(true);
    const opened = receiver.unprotectRtp(secured);
    expect(opened.ok && opened.packet.equals(plain)).toBe(true);
    flip(secured, 20, 1); // inside the extension
    expect(new SrtpContext('AES_CM_128_HMAC_SHA1_80', master).unprotectRtp(secured)).toEqual({
      ok: false,
      reason: 'auth',
    });
  });

  it('refuses a packet whose tag does not match, and one under another key', () => {
    const master = freshKey();
    const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
    const secured = sender.protectRtp(rtp(5));
    if (!secured) throw new Error('not protected');
    const tampered = Buffer.from(secured);
    flip(tampered, 14, 0x40);
    expect(receiver.unprotectRtp(tampered)).toEqual({ ok: false, reason: 'auth' });
    const stranger = new SrtpContext('AES_CM_128_HMAC_SHA1_80', freshKey());
    expect(stranger.unprotectRtp(secured)).toEqual({ ok: false, reason: 'auth' });
    // The refused packets moved nothing: the genuine one still opens.
    expect(receiver.unprotectRtp(secured).ok).toBe(true);
  });

  it('refuses a replayed packet and one older than the replay window', () => {
    const master = freshKey();
    const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
    const packets = Array.from({ length: 200 }, (_, i) => sender.protectRtp(rtp(100 + i)));
    const first = packets[0];
    if (!first) throw new Error('not protected');
    expect(receiver.unprotectRtp(first).ok).toBe(true);
    expect(receiver.unprotectRtp(first)).toEqual({ ok: false, reason: 'replay' });
    for (const packet of packets.slice(2)) if (packet) receiver.unprotectRtp(packet);
    // Late but within the window would pass; index 101 is now 198 behind: too old.
    const late = packets[1];
    if (!late) throw new Error('not protected');
    expect(receiver.unprotectRtp(late)).toEqual({ ok: false, reason: 'replay' });
  });

  it('takes reordered packets inside the window once each', () => {
    const master = freshKey();
    const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
    const [a, b, c] = [1, 2, 3].map((seq) => sender.protectRtp(rtp(seq)));
    if (!a || !b || !c) throw new Error('not protected');
    expect(receiver.unprotectRtp(a).ok).toBe(true);
    expect(receiver.unprotectRtp(c).ok).toBe(true);
    expect(receiver.unprotectRtp(b).ok).toBe(true);
    expect(receiver.unprotectRtp(b).ok).toBe(false);
  });

  it('carries the rollover counter across the wrap 65535 → 0 on both sides', () => {
    const master = freshKey();
    const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_32', master);
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_32', master);
    const ssrc = 0x11223344;
    for (let seq = 65530; seq < 65536 + 6; seq++) {
      const secured = sender.protectRtp(rtp(seq));
      if (!secured) throw new Error('not protected');
      const opened = receiver.unprotectRtp(secured);
      expect(opened.ok).toBe(true);
      if (opened.ok) expect(parseRtp(opened.packet)?.sequenceNumber).toBe(seq & 0xffff);
    }
    expect(sender.rolloverCounter(ssrc)).toBe(1);
    expect(receiver.rolloverCounter(ssrc)).toBe(1);
    // A receiver that assumed no wrap could not open what follows: the ROC is in the tag.
    const after = sender.protectRtp(rtp(65536 + 6));
    const fresh = new SrtpContext('AES_CM_128_HMAC_SHA1_32', master);
    if (!after) throw new Error('not protected');
    expect(fresh.unprotectRtp(after)).toEqual({ ok: false, reason: 'auth' });
  });

  it('estimates the ROC of late packets across the wrap (RFC 3711 §3.3.1)', () => {
    expect(estimateRoc(1, 2, 65534)).toBe(0);
    expect(estimateRoc(0, 65534, 1)).toBe(1);
    expect(estimateRoc(3, 40000, 39000)).toBe(3);
    expect(estimateRoc(0, 10, 65000)).toBe(-1);
  });

  it('never throws on garbage', () => {
    const context = new SrtpContext('AES_CM_128_HMAC_SHA1_80', freshKey());
    for (let i = 0; i < 200; i++) {
      const junk = randomBytes(i % 40);
      expect(() => context.unprotectRtp(junk)).not.toThrow();
      expect(() => context.unprotectRtcp(junk)).not.toThrow();
      expect(context.unprotectRtp(junk).ok).toBe(false);
    }
  });
});

describe('SRTCP', () => {
  it('round-trips a compound packet with E-flag, index and an 80-bit tag', () => {
    const master = freshKey();
    const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_32', master);
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_32', master);
    const plain = buildRtcpCompound({ type: 'rr', ssrc: 0x01020304, blocks: [] }, { cname: 'x' });
    const first = sender.protectRtcp(plain);
    const second = sender.protectRtcp(plain);
    if (!first || !second) throw new Error('not protected');
    expect(first.length).toBe(plain.length + 4 + 10);
    expect(first.readUInt32BE(plain.length)).toBe(0x80000000);
    expect(second.readUInt32BE(plain.length)).toBe(0x80000001);
    expect(first.subarray(8, plain.length).equals(plain.subarray(8))).toBe(false);
    const opened = receiver.unprotectRtcp(first);
    expect(opened.ok).toBe(true);
    if (opened.ok) {
      expect(opened.packet.equals(plain)).toBe(true);
      expect(parseRtcp(opened.packet)?.reports[0]?.ssrc).toBe(0x01020304);
    }
    expect(receiver.unprotectRtcp(first)).toEqual({ ok: false, reason: 'replay' });
    const tampered = Buffer.from(second);
    flip(tampered, plain.length, 0x80); // clears the E flag: the tag covers it
    expect(receiver.unprotectRtcp(tampered)).toEqual({ ok: false, reason: 'auth' });
    expect(receiver.unprotectRtcp(second).ok).toBe(true);
  });
});

describe('replay window', () => {
  it('keeps at least 64 indices', () => {
    const window = new ReplayWindow();
    window.accept(1000);
    expect(window.admits(1000 - 64)).toBe(true);
    window.accept(1000 - 64);
    expect(window.admits(1000 - 64)).toBe(false);
    expect(window.admits(1001)).toBe(true);
  });
});
