import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import {
  answerDirection,
  buildAudioSdp,
  negotiateAnswer,
  parseAudioSdp,
} from '../../../src-main/media/sdp.js';

const offer = buildAudioSdp({
  sessionId: '1234',
  sessionVersion: 1,
  username: 'natter',
  connection: '198.51.100.1',
  audioPort: 40000,
  codecs: ['PCMU', 'PCMA'],
});

/** What baresip 1.x/2.x sends behind NAT with STUN: the mapped address in a media-level c=. */
const baresipOffer = [
  'v=0',
  'o=- 2890 8172 IN IP4 192.168.1.20',
  's=-',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'a=tool:baresip 2.0.1',
  'm=audio 37084 RTP/AVP 96 0 8 101',
  'c=IN IP4 203.0.113.9',
  'b=AS:61',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 stereo=1;sprop-stereo=1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp:37085',
  'a=sendrecv',
  'a=label:1',
  'a=ssrc:1442310187 cname:4c6a1b1c-2e5f-4b9d-9f6a-0b3c5e7d9a11',
  'a=ptime:20',
  '',
].join('\r\n');

function sdpWith(mediaLines: string[], session: string[] = ['c=IN IP4 1.2.3.4']): string {
  return ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', ...session, 't=0 0', ...mediaLines, ''].join(
    '\r\n',
  );
}

describe('buildAudioSdp', () => {
  it('writes one small audio stream with the public address and the mapped port', () => {
    expect(offer).toContain('m=audio 40000 RTP/AVP 0 8 101\r\n');
    const parsed = parse(offer);
    expect(parsed.origin).toMatchObject({ username: 'natter', address: '198.51.100.1' });
    expect(parsed.connection).toEqual({ version: 4, ip: '198.51.100.1' });
    expect(parsed.media).toHaveLength(1);
    const audio = parsed.media[0];
    expect(audio?.connection).toBeUndefined();
    expect(audio?.rtp).toEqual([
      { payload: 0, codec: 'PCMU', rate: 8000 },
      { payload: 8, codec: 'PCMA', rate: 8000 },
      { payload: 101, codec: 'telephone-event', rate: 8000 },
    ]);
    expect(audio?.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    expect(audio?.ptime).toBe(20);
    expect(audio?.direction).toBe('sendrecv');
    expect(Buffer.byteLength(offer)).toBeLessThan(300);
  });

  it('honours the direction, another event payload type, or none', () => {
    const held = parse(
      buildAudioSdp({
        sessionId: '1',
        sessionVersion: 2,
        connection: '10.0.0.1',
        audioPort: 5000,
        codecs: ['PCMA'],
        telephoneEventPt: 96,
        direction: 'sendonly',
      }),
    );
    expect(held.media[0]).toMatchObject({ payloads: '8 96', direction: 'sendonly' });
    expect(held.origin?.username).toBe('-');
    const plain = buildAudioSdp({
      sessionId: '1',
      sessionVersion: 1,
      connection: '10.0.0.1',
      audioPort: 5000,
      codecs: ['PCMU'],
      telephoneEventPt: null,
    });
    expect(plain).toContain('m=audio 5000 RTP/AVP 0\r\n');
    expect(plain).not.toContain('telephone-event');
  });

  it("advertises RTCP's public address (RFC 3605) and offers rtcp-mux (RFC 5761), read back", () => {
    const sdp = buildAudioSdp({
      sessionId: '1',
      sessionVersion: 1,
      connection: '198.51.100.1',
      audioPort: 40000,
      codecs: ['PCMU'],
      rtcp: { address: '198.51.100.1', port: 41235 },
      rtcpMux: true,
    });
    expect(sdp).toContain('a=rtcp:41235 IN IP4 198.51.100.1\r\n');
    expect(sdp).toContain('a=rtcp-mux\r\n');
    const parsed = parseAudioSdp(sdp);
    expect(parsed).toMatchObject({
      ok: true,
      rtcpPort: 41235,
      rtcpAddress: '198.51.100.1',
      rtcpMux: true,
    });
    expect(offer).not.toContain('a=rtcp');
    expect(parseAudioSdp(offer)).toMatchObject({ ok: true, rtcpMux: false });
  });

  it('keeps o= well-formed whatever the username', () => {
    const sdp = buildAudioSdp({
      sessionId: '1',
      sessionVersion: 1,
      username: 'Jane Doe',
      connection: '10.0.0.1',
      audioPort: 5000,
      codecs: ['PCMU'],
    });
    expect(sdp).toContain('o=Jane_Doe 1 1 IN IP4 10.0.0.1\r\n');
  });

  it('refuses inputs that cannot make a valid SDP', () => {
    const base = { sessionId: '1', sessionVersion: 1, connection: '10.0.0.1', audioPort: 5000 };
    expect(() => buildAudioSdp({ ...base, codecs: [] })).toThrow(RangeError);
    expect(() => buildAudioSdp({ ...base, audioPort: 70000, codecs: ['PCMU'] })).toThrow(
      RangeError,
    );
    expect(() => buildAudioSdp({ ...base, codecs: ['PCMA'], telephoneEventPt: 8 })).toThrow(
      RangeError,
    );
  });
});

describe('parseAudioSdp', () => {
  it('reads its own offer back', () => {
    expect(parseAudioSdp(offer)).toEqual({
      ok: true,
      connection: '198.51.100.1',
      audioPort: 40000,
      payloadTypes: [0, 8, 101],
      codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
      codecs: [
        { name: 'PCMU', payloadType: 0, clockRate: 8000 },
        { name: 'PCMA', payloadType: 8, clockRate: 8000 },
      ],
      telephoneEventPt: 101,
      direction: 'sendrecv',
      onHold: false,
      rtcpMux: false,
      ptime: 20,
      secure: false,
      crypto: [],
      cryptoLines: 0,
    });
  });

  it('reads baresip: media-level c= wins, G.711 chosen after opus, RTCP port', () => {
    expect(parseAudioSdp(baresipOffer)).toMatchObject({
      ok: true,
      connection: '203.0.113.9',
      audioPort: 37084,
      payloadTypes: [96, 0, 8, 101],
      codec: { name: 'PCMU', payloadType: 0 },
      telephoneEventPt: 101,
      rtcpPort: 37085,
      direction: 'sendrecv',
    });
  });

  it('takes the first audio stream it can use', () => {
    const sdp = sdpWith([
      'm=audio 0 RTP/AVP 0',
      'm=video 5000 RTP/AVP 96',
      'm=audio 6000 RTP/AVP 8',
      'a=rtcp:7000 IN IP4 5.6.7.8',
    ]);
    expect(parseAudioSdp(sdp)).toMatchObject({
      ok: true,
      audioPort: 6000,
      codec: { name: 'PCMA' },
      rtcpPort: 7000,
      rtcpAddress: '5.6.7.8',
    });
  });

  it('takes static payload types without rtpmap, and an explicit rtpmap over the static one', () => {
    expect(parseAudioSdp(sdpWith(['m=audio 4000 RTP/AVP 18 8']))).toMatchObject({
      ok: true,
      codec: { name: 'PCMA', payloadType: 8 },
      telephoneEventPt: null,
    });
    const remapped = sdpWith([
      'm=audio 4000 RTP/AVP 0 97',
      'a=rtpmap:0 G729/8000',
      'a=rtpmap:97 pcmu/8000',
    ]);
    expect(parseAudioSdp(remapped)).toMatchObject({
      ok: true,
      codec: { name: 'PCMU', payloadType: 97 },
    });
  });

  it('ignores telephone-event at another clock rate', () => {
    const sdp = sdpWith(['m=audio 4000 RTP/AVP 0 110', 'a=rtpmap:110 telephone-event/48000']);
    expect(parseAudioSdp(sdp)).toMatchObject({ ok: true, telephoneEventPt: null });
  });

  it.each([
    ['a=sendonly', 'sendonly', true],
    ['a=inactive', 'inactive', true],
    ['a=recvonly', 'recvonly', false],
  ] as const)('reads %s as direction %s (hold: %s)', (line, direction, onHold) => {
    const result = parseAudioSdp(offer.replace('a=sendrecv', line));
    expect(result).toMatchObject({ ok: true, direction, onHold });
  });

  it('reads the old c=0.0.0.0 hold, and a session-level direction', () => {
    const zero = offer.replace('c=IN IP4 198.51.100.1', 'c=IN IP4 0.0.0.0');
    expect(parseAudioSdp(zero)).toMatchObject({ ok: true, direction: 'sendonly', onHold: true });
    const sessionLevel = sdpWith(['m=audio 4000 RTP/AVP 0'], ['c=IN IP4 1.2.3.4', 'a=inactive']);
    expect(parseAudioSdp(sessionLevel)).toMatchObject({ ok: true, direction: 'inactive' });
  });

  it.each([
    ['no audio', sdpWith(['m=video 4000 RTP/AVP 96']), /no audio/],
    ['port 0', offer.replace('m=audio 40000', 'm=audio 0'), /disabled/],
    ['no connection', offer.replace(/c=IN IP4 .*\r\n/, ''), /connection/],
    ['an IPv6 address', offer.replace(/c=IN IP4 .*\r\n/, 'c=IN IP6 2001:db8::1\r\n'), /IPv4/],
    ['DTLS-SRTP only', offer.replace('RTP/AVP', 'UDP/TLS/RTP/SAVPF'), /UDP\/TLS\/RTP\/SAVPF/],
    [
      'no supported codec',
      offer.replace('RTP/AVP 0 8 101', 'RTP/AVP 3 101'),
      /G.722, PCMU or PCMA/,
    ],
    ['no v= line', offer.replace('v=0\r\n', ''), /v=0/],
    ['binary garbage', '\u0000\u0001\uffff not sdp at all', /./],
    ['an empty string', '', /./],
    ['a bad port', offer.replace('m=audio 40000', 'm=audio x'), /./],
    ['a truncated m= line', 'v=0\r\nm=audio\r\nc=IN IP4 1.2.3.4\r\n', /./],
  ])('refuses an SDP with %s, without throwing', (_name, sdp, reason) => {
    const result = parseAudioSdp(sdp);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('never throws on mangled SDP', () => {
    let seed = 5;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const chars = [...baresipOffer];
      for (let k = 0; k < 5; k++) {
        chars[Math.floor(random() * chars.length)] = String.fromCharCode(
          Math.floor(random() * 128),
        );
      }
      const result = parseAudioSdp(chars.join(''));
      if (result.ok) expect(result.codec.clockRate).toBe(8000);
    }
  });
});

describe('negotiateAnswer', () => {
  const local = {
    sessionId: '77',
    sessionVersion: 1,
    connection: '198.51.100.7',
    audioPort: 30000,
    codecs: ['PCMU', 'PCMA'] as Array<'PCMU' | 'PCMA' | 'G722'>,
  };

  it('answers with the first offered codec we support, keeping telephone-event', () => {
    const result = negotiateAnswer(baresipOffer, local);
    expect(result).toMatchObject({
      ok: true,
      codec: { name: 'PCMU', payloadType: 0 },
      telephoneEventPt: 101,
      direction: 'sendrecv',
    });
    if (!result.ok) return;
    const answer = parse(result.sdp);
    expect(answer.connection?.ip).toBe('198.51.100.7');
    expect(answer.media[0]).toMatchObject({ port: 30000, payloads: '0 101' });
  });

  it('picks by our order of preference among what the offer has', () => {
    const pcmaFirst = sdpWith(['m=audio 4000 RTP/AVP 8 0']);
    expect(negotiateAnswer(pcmaFirst, local)).toMatchObject({ ok: true, codec: { name: 'PCMU' } });
    expect(negotiateAnswer(pcmaFirst, { ...local, codecs: ['PCMA', 'PCMU'] })).toMatchObject({
      ok: true,
      codec: { name: 'PCMA' },
    });
    expect(negotiateAnswer(pcmaFirst, { ...local, codecs: ['PCMU'] })).toMatchObject({
      ok: true,
      codec: { name: 'PCMU' },
    });
    expect(
      negotiateAnswer(sdpWith(['m=audio 4000 RTP/AVP 8']), { ...local, codecs: ['PCMU'] }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no codec in common/),
    });
  });

  it('answers a G.722 offer with G.722, written G722/8000 (RFC 3551 §4.5.2)', () => {
    const wideband = sdpWith([
      'm=audio 4000 RTP/AVP 0 9 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:9 G722/8000',
      'a=rtpmap:101 telephone-event/8000',
    ]);
    const result = negotiateAnswer(wideband, { ...local, codecs: ['G722', 'PCMU', 'PCMA'] });
    expect(result).toMatchObject({ ok: true, codec: { name: 'G722', payloadType: 9 } });
    if (result.ok) {
      expect(result.sdp).toContain('m=audio 30000 RTP/AVP 9 101\r\n');
      expect(result.sdp).toContain('a=rtpmap:9 G722/8000\r\n');
    }
    // Static type 9 without an rtpmap is G.722 too.
    expect(parseAudioSdp(sdpWith(['m=audio 4000 RTP/AVP 9']))).toMatchObject({
      ok: true,
      codec: { name: 'G722', clockRate: 8000 },
    });
    // A far end offering only PCMU still gets PCMU.
    expect(
      negotiateAnswer(sdpWith(['m=audio 4000 RTP/AVP 0']), {
        ...local,
        codecs: ['G722', 'PCMU', 'PCMA'],
      }),
    ).toMatchObject({ ok: true, codec: { name: 'PCMU' } });
  });

  it('takes G722/16000 (the audio rate some endpoints write) as G.722, on the 8000 RTP clock', () => {
    const parsed = parseAudioSdp(sdpWith(['m=audio 4000 RTP/AVP 9 0', 'a=rtpmap:9 G722/16000']));
    expect(parsed).toMatchObject({
      ok: true,
      codec: { name: 'G722', payloadType: 9, clockRate: 8000, rtpmapRate: 16000 },
      codecs: [{ name: 'G722' }, { name: 'PCMU' }],
    });
    // Written /8000 it carries no rtpmapRate: nothing to echo.
    const standard = parseAudioSdp(sdpWith(['m=audio 4000 RTP/AVP 9', 'a=rtpmap:9 G722/8000']));
    expect(standard.ok && standard.codec).toEqual({
      name: 'G722',
      payloadType: 9,
      clockRate: 8000,
    });
  });

  it('answers G722/16000 with the payload type and rtpmap the offer used', () => {
    const ours = { ...local, codecs: ['G722', 'PCMU', 'PCMA'] as Array<'PCMU' | 'PCMA' | 'G722'> };
    const staticType = negotiateAnswer(
      sdpWith([
        'm=audio 4000 RTP/AVP 9 0 101',
        'a=rtpmap:9 G722/16000',
        'a=rtpmap:101 telephone-event/8000',
      ]),
      ours,
    );
    expect(staticType).toMatchObject({ ok: true, codec: { name: 'G722', payloadType: 9 } });
    if (staticType.ok) {
      expect(staticType.sdp).toContain('m=audio 30000 RTP/AVP 9 101\r\n');
      expect(staticType.sdp).toContain('a=rtpmap:9 G722/16000\r\n');
      expect(staticType.sdp).toContain('a=rtpmap:101 telephone-event/8000\r\n');
    }
    const dynamicType = negotiateAnswer(
      sdpWith(['m=audio 4000 RTP/AVP 98 0', 'a=rtpmap:98 G722/16000']),
      ours,
    );
    expect(dynamicType).toMatchObject({ ok: true, codec: { name: 'G722', payloadType: 98 } });
    if (dynamicType.ok) {
      expect(dynamicType.sdp).toContain('m=audio 30000 RTP/AVP 98\r\n');
      expect(dynamicType.sdp).toContain('a=rtpmap:98 G722/16000\r\n');
      expect(dynamicType.sdp).not.toContain('G722/8000');
      // Our own answer reads back as the same codec.
      expect(parseAudioSdp(dynamicType.sdp)).toMatchObject({
        ok: true,
        codec: { name: 'G722', payloadType: 98, rtpmapRate: 16000 },
      });
    }
  });

  it('still refuses other rates: G.722 at 32000, G.711 at 16000', () => {
    expect(
      parseAudioSdp(sdpWith(['m=audio 4000 RTP/AVP 9 0', 'a=rtpmap:9 G722/32000'])),
    ).toMatchObject({ ok: true, codecs: [{ name: 'PCMU' }] });
    expect(
      parseAudioSdp(sdpWith(['m=audio 4000 RTP/AVP 96 8', 'a=rtpmap:96 PCMU/16000'])),
    ).toMatchObject({ ok: true, codecs: [{ name: 'PCMA' }] });
    expect(
      parseAudioSdp(sdpWith(['m=audio 4000 RTP/AVP 9', 'a=rtpmap:9 G722/16000/2'])),
    ).toMatchObject({ ok: true, codec: { name: 'G722' } });
  });

  it('offers G.722 first when asked, then G.711', () => {
    const wideband = buildAudioSdp({
      sessionId: '1',
      sessionVersion: 1,
      connection: '198.51.100.1',
      audioPort: 40000,
      codecs: ['G722', 'PCMU', 'PCMA'],
    });
    expect(wideband).toContain('m=audio 40000 RTP/AVP 9 0 8 101\r\n');
    expect(wideband).toContain('a=rtpmap:9 G722/8000\r\n');
    expect(parseAudioSdp(wideband)).toMatchObject({
      ok: true,
      codecs: [{ name: 'G722' }, { name: 'PCMU' }, { name: 'PCMA' }],
    });
  });

  it("uses the offer's payload types and leaves out events not offered", () => {
    const offer96 = sdpWith(['m=audio 4000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000']);
    const result = negotiateAnswer(offer96, local);
    expect(result).toMatchObject({ ok: true, telephoneEventPt: 96 });
    if (result.ok) expect(parse(result.sdp).media[0]?.payloads).toBe('0 96');
    const noEvents = negotiateAnswer(sdpWith(['m=audio 4000 RTP/AVP 0']), local);
    expect(noEvents).toMatchObject({ ok: true, telephoneEventPt: null });
    if (noEvents.ok) expect(noEvents.sdp).not.toContain('telephone-event');
  });

  it('mirrors the direction (RFC 3264 §6.1) and holds when asked', () => {
    const held = negotiateAnswer(offer.replace('a=sendrecv', 'a=sendonly'), local);
    expect(held).toMatchObject({ ok: true, direction: 'recvonly' });
    if (held.ok) expect(parse(held.sdp).media[0]?.direction).toBe('recvonly');
    expect(negotiateAnswer(offer, { ...local, hold: true })).toMatchObject({
      direction: 'sendonly',
    });
    expect(answerDirection('sendrecv')).toBe('sendrecv');
    expect(answerDirection('sendonly')).toBe('recvonly');
    expect(answerDirection('recvonly')).toBe('sendonly');
    expect(answerDirection('inactive')).toBe('inactive');
    expect(answerDirection('sendonly', true)).toBe('inactive');
    expect(answerDirection('recvonly', true)).toBe('sendonly');
  });

  it('passes on why an offer is unusable', () => {
    expect(negotiateAnswer('garbage', local)).toMatchObject({ ok: false });
    const parsed = parseAudioSdp(offer);
    expect(negotiateAnswer(parsed, local)).toMatchObject({ ok: true, codec: { name: 'PCMU' } });
  });
});
