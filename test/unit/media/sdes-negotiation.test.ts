import { describe, expect, it } from 'vitest';
import type { MediaEncryption } from '../../../src-shared/domain.js';
import { buildAudioSdp, parseAudioSdp, type ParsedAudioSdp } from '../../../src-main/media/sdp.js';
import { newMasterKey, type SdesCrypto } from '../../../src-main/media/sdes.js';
import { serializeRtp } from '../../../src-main/media/rtp-packet.js';
import {
  NOT_ENCRYPTED,
  offerRefusal,
  SrtpNegotiation,
  type SrtpDescription,
} from '../../../src-main/media/srtp-negotiation.js';

function sdpOf(description: SrtpDescription): string {
  return buildAudioSdp({
    sessionId: '1',
    sessionVersion: 1,
    connection: '198.51.100.1',
    audioPort: 40000,
    codecs: ['PCMU'],
    profile: description.profile,
    crypto: description.crypto,
  });
}

function parsed(sdp: string): ParsedAudioSdp {
  const result = parseAudioSdp(sdp);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

/** A far end's SDP with the given m= profile and crypto lines. */
function remote(profile: string, cryptoLines: string[]): ParsedAudioSdp {
  return parsed(
    [
      'v=0',
      'o=- 1 1 IN IP4 203.0.113.9',
      's=-',
      'c=IN IP4 203.0.113.9',
      't=0 0',
      `m=audio 30000 ${profile} 0`,
      ...cryptoLines,
      '',
    ].join('\r\n'),
  );
}

const KEY_A = 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR';
const KEY_B = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';

describe('SDES in the SDP (RFC 4568)', () => {
  it('writes a=crypto lines with the key and salt as inline base64 and reads them back', () => {
    const key = newMasterKey();
    const crypto: SdesCrypto[] = [{ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key }];
    const sdp = sdpOf({ profile: 'RTP/SAVP', crypto });
    expect(sdp).toContain('m=audio 40000 RTP/SAVP 0');
    const inline = Buffer.concat([key.key, key.salt]).toString('base64');
    expect(sdp).toContain(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${inline}`);
    const back = parsed(sdp);
    expect(back.secure).toBe(true);
    expect(back.crypto).toHaveLength(1);
    expect(Buffer.from(back.crypto[0]?.key.key ?? []).equals(key.key)).toBe(true);
    expect(Buffer.from(back.crypto[0]?.key.salt ?? []).equals(key.salt)).toBe(true);
  });

  it('passes over lines it cannot use: unknown suite, MKI, session parameters, bad keys', () => {
    const offer = remote('RTP/SAVP', [
      `a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${KEY_A}`,
      `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}|2^20|1:4`,
      `a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A} KDR=1`,
      'a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:tooShort',
      `a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:${KEY_B}|2^31`,
    ]);
    expect(offer.cryptoLines).toBe(5);
    expect(offer.crypto.map((line) => [line.tag, line.suite])).toEqual([
      [5, 'AES_CM_128_HMAC_SHA1_32'],
    ]);
  });
});

describe('refusing offers (488)', () => {
  const savpUnsupported = remote('RTP/SAVP', [
    `a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${KEY_A}`,
  ]);
  const savpNoKey = remote('RTP/SAVP', []);
  const avpPlain = remote('RTP/AVP', []);
  const avpCrypto = remote('RTP/AVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`]);
  const savpCrypto = remote('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`]);

  it.each<[string, MediaEncryption, ParsedAudioSdp, RegExp | null]>([
    ['SAVP with an unsupported suite', 'optional', savpUnsupported, /no crypto suite we support/],
    ['SAVP with an unsupported suite', 'required', savpUnsupported, /no crypto suite we support/],
    ['SAVP without a key', 'optional', savpNoKey, /sends no key/],
    ['SAVP while encryption is off', 'off', savpCrypto, /encryption is off/],
    ['plain RTP while encryption is required', 'required', avpPlain, /SRTP is required/],
    ['plain RTP while optional', 'optional', avpPlain, null],
    ['AVP with crypto while off (answered plain)', 'off', avpCrypto, null],
    ['AVP with crypto while required', 'required', avpCrypto, null],
    ['SAVP with crypto while optional', 'optional', savpCrypto, null],
  ])('%s under %s', (_name, mode, offer, refusal) => {
    const verdict = offerRefusal(offer, mode);
    if (refusal === null) expect(verdict).toBeNull();
    else expect(verdict).toMatch(refusal);
  });
});

describe('SRTP negotiation of a call', () => {
  /** Two phones negotiating with each other: `a` offers, `b` answers. */
  function negotiate(aMode: MediaEncryption, bMode: MediaEncryption) {
    const a = new SrtpNegotiation(aMode);
    const b = new SrtpNegotiation(bMode);
    const offer = parsed(sdpOf(a.offer()));
    const offerRefused = b.acceptOffer(offer);
    if (offerRefused) return { a, b, offer, offerRefused, answerRefused: null };
    const answer = parsed(sdpOf(b.answer()));
    return { a, b, offer, offerRefused, answerRefused: a.acceptAnswer(answer), answer };
  }

  it('required offers RTP/SAVP with both suites, tags 1 and 2, and settles on the first', () => {
    const { a, b, offer, answer, offerRefused, answerRefused } = negotiate('required', 'optional');
    expect(offer.secure).toBe(true);
    expect(offer.crypto.map((line) => [line.tag, line.suite])).toEqual([
      [1, 'AES_CM_128_HMAC_SHA1_80'],
      [2, 'AES_CM_128_HMAC_SHA1_32'],
    ]);
    expect(offerRefused).toBeNull();
    expect(answerRefused).toBeNull();
    expect(answer?.secure).toBe(true);
    expect(answer?.crypto.map((line) => line.tag)).toEqual([1]);
    // The answer's key is the answerer's own, not an echo of ours.
    expect(
      Buffer.from(answer?.crypto[0]?.key.key ?? []).equals(
        offer.crypto[0]?.key.key ?? Buffer.alloc(0),
      ),
    ).toBe(false);
    expect(a.status()).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_80', active: true });
    expect(b.status()).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_80', active: true });
    // What one protects the other opens, both ways.
    const packet = serializeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber: 7,
      timestamp: 0,
      ssrc: 9,
      payload: new Uint8Array(160),
    });
    const fromA = a.contexts()?.outbound.protectRtp(packet);
    const fromB = b.contexts()?.outbound.protectRtp(packet);
    if (!fromA || !fromB) throw new Error('no contexts');
    expect(b.contexts()?.inbound.unprotectRtp(fromA).ok).toBe(true);
    expect(a.contexts()?.inbound.unprotectRtp(fromB).ok).toBe(true);
  });

  it('optional offers RTP/AVP with the same crypto lines', () => {
    const { offer, a } = negotiate('optional', 'optional');
    expect(offer.secure).toBe(false);
    expect(offer.crypto).toHaveLength(2);
    expect(a.status()).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_80', active: true });
  });

  it('optional answered plain runs plain and says so', () => {
    const { a, answerRefused } = negotiate('optional', 'off');
    expect(answerRefused).toBeNull();
    expect(a.contexts()).toBeNull();
    expect(a.status()).toEqual({ suite: null, active: false });
  });

  it('required answered plain is refused with a clear reason', () => {
    const { a, answerRefused } = negotiate('required', 'optional');
    expect(answerRefused).toBeNull();
    const again = new SrtpNegotiation('required');
    again.offer();
    expect(again.acceptAnswer(remote('RTP/AVP', []))).toBe(NOT_ENCRYPTED);
    expect(again.contexts()).toBeNull();
    expect(a.contexts()).not.toBeNull();
  });

  it('off offers nothing, answers an AVP offer with crypto plain, and reports nothing', () => {
    const { offer, b, answer } = negotiate('off', 'off');
    expect(offer.crypto).toHaveLength(0);
    expect(b.status()).toBeUndefined();
    const plainB = new SrtpNegotiation('off');
    expect(
      plainB.acceptOffer(remote('RTP/AVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`])),
    ).toBeNull();
    expect(plainB.answer()).toEqual({ profile: 'RTP/AVP', crypto: [] });
    expect(answer?.crypto).toHaveLength(0);
  });

  it('an answer naming a tag we never offered does not count as encryption', () => {
    const a = new SrtpNegotiation('required');
    a.offer();
    const answer = remote('RTP/SAVP', [`a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`]);
    expect(a.acceptAnswer(answer)).toBe(NOT_ENCRYPTED);
  });

  it('re-offers the same key and tag, so contexts and rollover counters survive a re-INVITE', () => {
    const { a, b } = negotiate('required', 'required');
    const outboundBefore = a.contexts()?.outbound;
    const inboundBefore = a.contexts()?.inbound;
    const firstOffer = a.offer();
    expect(firstOffer.crypto.map((line) => line.tag)).toEqual([1]);
    // The far end answers the re-INVITE with its key unchanged: the same contexts go on.
    const sameAnswer = parsed(sdpOf(b.answer()));
    expect(a.acceptAnswer(sameAnswer)).toBeNull();
    expect(a.contexts()?.outbound).toBe(outboundBefore);
    expect(a.contexts()?.inbound).toBe(inboundBefore);
    // A new far-end key: a new inbound context, ours untouched.
    a.offer();
    const rekeyed = remote('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B}`]);
    expect(a.acceptAnswer(rekeyed)).toBeNull();
    expect(a.contexts()?.outbound).toBe(outboundBefore);
    expect(a.contexts()?.inbound).not.toBe(inboundBefore);
    // And the re-offer's key is the first offer's.
    const keyNow = a.offer().crypto[0]?.key.key;
    expect(
      keyNow && Buffer.from(keyNow).equals(Buffer.from(firstOffer.crypto[0]?.key.key ?? [])),
    ).toBe(true);
  });

  it('a refused answer changes nothing', () => {
    const { a } = negotiate('required', 'required');
    const contexts = a.contexts();
    a.offer();
    expect(a.acceptAnswer(remote('RTP/AVP', []))).toBe(NOT_ENCRYPTED);
    expect(a.contexts()).toEqual(contexts);
    expect(a.status()?.active).toBe(true);
  });

  it('keys are new per call', () => {
    const one = new SrtpNegotiation('required').offer().crypto[0]?.key.key;
    const two = new SrtpNegotiation('required').offer().crypto[0]?.key.key;
    expect(one && two && Buffer.from(one).equals(Buffer.from(two))).toBe(false);
  });
});
