import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { buildAudioSdp, parseAudioSdp } from '../../../src-main/media/sdp.js';

const offer = buildAudioSdp({
  sessionId: '1234',
  sessionVersion: 1,
  username: 'natter',
  connection: '198.51.100.1',
  audioPort: 40000,
  codecs: ['PCMU', 'PCMA'],
  telephoneEventPt: 101,
});

describe('SDP', () => {
  it('builds a small offer with the public address in c= and the mapped port in m=', () => {
    const parsed = parse(offer);
    expect(parsed.connection?.ip).toBe('198.51.100.1');
    expect(parsed.origin?.address).toBe('198.51.100.1');
    expect(parsed.media[0]?.port).toBe(40000);
    expect(parsed.media[0]?.payloads).toBe('0 8 101');
    expect(parsed.media[0]?.fmtp[0]).toMatchObject({ payload: 101, config: '0-16' });
    expect(parsed.media[0]?.direction).toBe('sendrecv');
    expect(Buffer.byteLength(offer)).toBeLessThan(300);
  });

  it('parses its own offer back', () => {
    expect(parseAudioSdp(offer)).toMatchObject({
      ok: true,
      connection: '198.51.100.1',
      audioPort: 40000,
      payloadTypes: [0, 8, 101],
      codec: { name: 'PCMU', payloadType: 0 },
      telephoneEventPt: 101,
      direction: 'sendrecv',
    });
  });

  it('lets the media-level c= win (baresip puts its STUN address there)', () => {
    const sdp = [
      'v=0',
      'o=- 1 1 IN IP4 192.168.1.5',
      's=-',
      'c=IN IP4 192.168.1.5',
      't=0 0',
      'm=audio 5004 RTP/AVP 8 0 101',
      'c=IN IP4 203.0.113.9',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=sendrecv',
      '',
    ].join('\r\n');
    expect(parseAudioSdp(sdp)).toMatchObject({
      ok: true,
      connection: '203.0.113.9',
      codec: { name: 'PCMA', payloadType: 8 },
    });
  });

  it('reads hold: sendonly, and the old c=0.0.0.0 form', () => {
    const held = offer.replace('a=sendrecv', 'a=sendonly');
    expect(parseAudioSdp(held)).toMatchObject({ ok: true, direction: 'sendonly' });
    const zero = offer.replace(/c=IN IP4 198\.51\.100\.1/, 'c=IN IP4 0.0.0.0');
    expect(parseAudioSdp(zero)).toMatchObject({ ok: true, direction: 'sendonly' });
  });

  it('accepts static payload types without rtpmap', () => {
    const sdp =
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18 8\r\n';
    expect(parseAudioSdp(sdp)).toMatchObject({
      ok: true,
      codec: { name: 'PCMA', payloadType: 8 },
      telephoneEventPt: null,
    });
  });

  it.each([
    [
      'no audio',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n',
      /no audio/,
    ],
    ['port 0', offer.replace('m=audio 40000', 'm=audio 0'), /disabled/],
    ['no connection', offer.replace(/c=IN IP4 .*\r\n/, ''), /connection/],
    ['garbage', '\u0000\u0001not sdp at all', /./],
    ['empty', '', /./],
  ])('refuses SDP with %s, without throwing', (_name, sdp, reason) => {
    const result = parseAudioSdp(sdp);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('reports no codec when only unsupported ones are offered', () => {
    const sdp = offer.replace('m=audio 40000 RTP/AVP 0 8 101', 'm=audio 40000 RTP/AVP 9 101');
    expect(parseAudioSdp(sdp)).toMatchObject({ ok: true, codec: null });
  });
});
