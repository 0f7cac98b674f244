import { afterEach, describe, expect, it } from 'vitest';
import type { CallSrtp, MediaEncryption } from '../../../src-shared/domain.js';
import { CallMedia } from '../../../src-main/engine/call-media.js';
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

interface Phone {
  media: CallMedia;
  tone: ToneDetector;
  srtp: CallSrtp | undefined;
}

function phone(mode: MediaEncryption): Phone {
  const tone = new ToneDetector({ frequency: 1000 });
  const generator = new ToneGenerator({ frequency: 1000 });
  const created: Phone = { media: null as unknown as CallMedia, tone, srtp: undefined };
  created.media = new CallMedia({
    nat: natStrategy('none', environment),
    strategyFor: (id) => natStrategy(id, environment),
    advertiseRtcp: false,
    codecs: ['PCMU'],
    telephoneEventPt: 101,
    mediaEncryption: mode,
    audioSource: () => () => generator.next(),
    onAudio: (frame) => tone.push(frame),
    onNegotiated: ({ srtp }) => (created.srtp = srtp),
  });
  return created;
}

/** One offer/answer from `offerer` to `answerer`, as sip.js drives the two media ports. */
async function offerAnswer(offerer: Phone, answerer: Phone): Promise<[string, string]> {
  const offer = await offerer.media.localDescription({ hold: false });
  answerer.media.applyRemoteDescription(offer);
  const answer = await answerer.media.localDescription({ hold: false });
  offerer.media.applyRemoteDescription(answer);
  return [offer, answer];
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const inlineKeys = (sdp: string) => [...sdp.matchAll(/inline:(\S+)/g)].map((match) => match[1]);

describe('a call between two CallMedia with SRTP, on loopback', () => {
  const phones: Phone[] = [];
  afterEach(() => {
    for (const { media } of phones.splice(0)) media.close();
  });

  it('carries the tone both ways encrypted, and through a re-INVITE with the same keys', async () => {
    const caller = phone('required');
    const callee = phone('optional');
    phones.push(caller, callee);
    const [offer, answer] = await offerAnswer(caller, callee);
    expect(offer).toMatch(/RTP\/SAVP/);
    expect(answer).toMatch(/a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/);
    await wait(600);
    expect(caller.srtp).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_80', active: true });
    expect(callee.srtp).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_80', active: true });
    expect(caller.tone.toneFrames).toBeGreaterThan(10);
    expect(callee.tone.toneFrames).toBeGreaterThan(10);

    // A re-INVITE (hold and back, a rescue, a network change): the same key, so the far end's
    // contexts and rollover counters go on, and not one packet fails authentication.
    const heardBefore = callee.tone.toneFrames;
    const [reOffer, reAnswer] = await offerAnswer(caller, callee);
    expect(inlineKeys(reOffer)).toEqual([inlineKeys(offer)[0]]);
    expect(inlineKeys(reAnswer)).toEqual(inlineKeys(answer));
    await wait(400);
    expect(callee.tone.toneFrames).toBeGreaterThan(heardBefore + 10);
    expect(caller.media.srtpDrops).toEqual({ malformed: 0, auth: 0, replay: 0 });
    expect(callee.media.srtpDrops).toEqual({ malformed: 0, auth: 0, replay: 0 });
  });

  it('a phone that requires SRTP refuses a plain answer and says why; nothing flows', async () => {
    const caller = phone('required');
    const callee = phone('off');
    phones.push(caller, callee);
    const offer = await caller.media.localDescription({ hold: false });
    // Off answers an SAVP offer only with a refusal (the engine answers 488 before this).
    expect(() => callee.media.applyRemoteDescription(offer)).toThrow(/encryption is off/);
    const plainCallee = phone('optional');
    phones.push(plainCallee);
    const plainOffer = (await plainCallee.media.localDescription({ hold: false })).replace(
      /a=crypto:.*\r\n/g,
      '',
    );
    const plainAnswerer = phone('off');
    phones.push(plainAnswerer);
    plainAnswerer.media.applyRemoteDescription(plainOffer);
    const plainAnswer = await plainAnswerer.media.localDescription({ hold: false });
    expect(() => caller.media.applyRemoteDescription(plainAnswer)).toThrow(
      /would not encrypt the call/,
    );
    expect(caller.media.refusal).toEqual([
      'not-encrypted',
      expect.stringMatching(/would not encrypt/),
    ]);
    await wait(200);
    expect(caller.media.stats()).toBeNull();
  });

  it('optional against a plain far end runs plain RTP and reports it', async () => {
    const caller = phone('optional');
    const callee = phone('off');
    phones.push(caller, callee);
    const [offer, answer] = await offerAnswer(caller, callee);
    expect(offer).toMatch(/RTP\/AVP/);
    expect(offer).toMatch(/a=crypto:/);
    expect(answer).not.toMatch(/a=crypto:/);
    await wait(500);
    expect(caller.srtp).toEqual({ suite: null, active: false });
    expect(callee.srtp).toBeUndefined();
    expect(caller.tone.toneFrames).toBeGreaterThan(10);
    expect(callee.tone.toneFrames).toBeGreaterThan(10);
  });
});
