/**
 * Media parsers: RTP (RFC 3550 §5.1) with reception statistics (Appendix A), RTCP compound
 * packets (§6), RFC 4733 telephone-events, and SDP offers and answers (RFC 4566/3264).
 */
import fc from 'fast-check';
import { DtmfReceiver, decodeTelephoneEvent } from '../../../src-main/media/dtmf.js';
import {
  buildRtcpCompound,
  parseRtcp,
  RTCP_BYE,
  RTCP_RR,
  RTCP_SDES,
  RTCP_SR,
} from '../../../src-main/media/rtcp.js';
import { parseRtp, serializeRtp, RTP_HEADER_BYTES } from '../../../src-main/media/rtp-packet.js';
import { RtpReception } from '../../../src-main/media/rtp-reception.js';
import { negotiateAnswer, parseAudioSdp } from '../../../src-main/media/sdp.js';
import {
  bytesCodec,
  check,
  jsonCodec,
  mustNotThrow,
  textCodec,
  type FuzzTarget,
} from '../fuzz-target.js';
import { mutatedBytes, mutatedText } from '../mutate.js';

const rtpPacket = fc
  .record({
    marker: fc.boolean(),
    payloadType: fc.oneof(fc.constantFrom(0, 8, 101, 13), fc.nat({ max: 127 })),
    sequenceNumber: fc.nat({ max: 0xffff }),
    timestamp: fc.nat({ max: 0xffffffff }),
    ssrc: fc.nat({ max: 0xffffffff }),
    payload: fc.oneof(fc.uint8Array({ maxLength: 172 }), fc.constant(new Uint8Array(160))),
    csrcs: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 15 }),
    extension: fc.option(
      fc.record({ profile: fc.nat({ max: 0xffff }), data: fc.uint8Array({ maxLength: 16 }) }),
    ),
    padding: fc.nat({ max: 8 }),
  })
  .map(({ extension, padding, ...packet }) => {
    const bytes = serializeRtp({ ...packet, ...(extension ? { extension } : {}) });
    if (padding === 0) return bytes;
    // Padding (§5.1): the P bit, then octets whose last one counts them all.
    const padded = Buffer.concat([bytes, Buffer.alloc(padding)]);
    padded[0]! |= 0x20;
    padded[padded.length - 1] = padding;
    return padded;
  });

export const rtpTarget: FuzzTarget<Uint8Array[]> = {
  name: 'rtp',
  contract:
    'parseRtp returns null or a packet whose payload, CSRCs and extension lie inside the ' +
    'datagram, never throwing; RtpReception accounts for any sequence of packets with finite ' +
    'statistics and a 24-bit-representable report block',
  modules: ['src-main/media/rtp-packet.ts', 'src-main/media/rtp-reception.ts'],
  input: () => fc.array(mutatedBytes(rtpPacket), { minLength: 1, maxLength: 8 }),
  execute(datagrams) {
    const reception = new RtpReception();
    let arrival = 0;
    for (const datagram of datagrams) {
      const packet = mustNotThrow('parseRtp', () => parseRtp(datagram));
      if (!packet) continue;
      check(datagram.length >= RTP_HEADER_BYTES, 'a packet shorter than the RTP header parsed');
      const header = RTP_HEADER_BYTES + (packet.csrcs?.length ?? 0) * 4;
      check(
        header +
          packet.payload.length +
          (packet.extension ? 4 + packet.extension.data.length : 0) <=
          datagram.length,
        'RTP fields add up to more than the datagram',
      );
      check(packet.payloadType <= 127, 'payload type wider than 7 bits');
      arrival += 20;
      const verdict = mustNotThrow('RtpReception.update', () =>
        reception.update(packet.sequenceNumber, packet.timestamp, arrival),
      );
      check(['accepted', 'restarted', 'rejected'].includes(verdict), `verdict ${verdict}`);
    }
    const block = mustNotThrow('reportBlock', () => reception.reportBlock(1));
    check(Number.isFinite(reception.jitterMs), 'jitter is not finite');
    check(block.fractionLost >= 0 && block.fractionLost <= 255, 'fraction lost out of 8 bits');
    check(Number.isInteger(block.cumulativeLost), 'cumulative loss is not an integer');
    check(reception.totalLost >= 0, 'total loss is negative');
  },
  ...jsonCodec,
  toJson: (input) => input.map((bytes) => Buffer.from(bytes).toString('hex')),
  fromJson: (json) => (json as string[]).map((hex) => Buffer.from(hex, 'hex')),
};

const reportBlock = fc.uint8Array({ minLength: 24, maxLength: 24 });

function rtcpPacket(type: number, count: number, body: Uint8Array, padding = 0): Buffer {
  const unpadded = 4 + body.length;
  const words = Math.ceil((unpadded + padding) / 4);
  const packet = Buffer.alloc(words * 4);
  packet[0] = 0x80 | (padding > 0 ? 0x20 : 0) | (count & 0x1f);
  packet[1] = type;
  packet.writeUInt16BE(words - 1, 2);
  Buffer.from(body).copy(packet, 4);
  if (padding > 0) packet[packet.length - 1] = packet.length - unpadded;
  return packet;
}

function sdesChunk(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const chunk = Buffer.alloc(Math.ceil((4 + 2 + text.length + 1) / 4) * 4);
  chunk.writeUInt32BE(ssrc >>> 0, 0);
  chunk[4] = 1;
  chunk[5] = text.length;
  text.copy(chunk, 6);
  return chunk;
}

const rtcpCompound = fc
  .record({
    sender: fc.boolean(),
    ssrc: fc.nat({ max: 0xffffffff }),
    senderInfo: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    blocks: fc.array(reportBlock, { maxLength: 31 }),
    cnames: fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.string({ maxLength: 40 })), {
      maxLength: 4,
    }),
    bye: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 4 }),
    trailing: fc.option(fc.tuple(fc.nat({ max: 255 }), fc.uint8Array({ maxLength: 40 }))),
    padding: fc.constantFrom(0, 0, 4, 8),
  })
  .map((spec) => {
    const ssrc = Buffer.alloc(4);
    ssrc.writeUInt32BE(spec.ssrc, 0);
    const report = rtcpPacket(
      spec.sender ? RTCP_SR : RTCP_RR,
      spec.blocks.length,
      Buffer.concat([ssrc, ...(spec.sender ? [spec.senderInfo] : []), ...spec.blocks]),
    );
    const parts = [report];
    if (spec.cnames.length > 0) {
      const chunks = spec.cnames.map(([id, cname]) => sdesChunk(id, cname));
      parts.push(rtcpPacket(RTCP_SDES, chunks.length, Buffer.concat(chunks)));
    }
    if (spec.trailing) parts.push(rtcpPacket(spec.trailing[0], 0, spec.trailing[1]));
    const bye = Buffer.alloc(spec.bye.length * 4);
    spec.bye.forEach((id, index) => bye.writeUInt32BE(id, index * 4));
    parts.push(rtcpPacket(RTCP_BYE, spec.bye.length, bye, spec.padding));
    return Buffer.concat(parts);
  });

export const rtcpTarget: FuzzTarget<Uint8Array> = {
  name: 'rtcp',
  contract:
    'parseRtcp returns null for a compound packet failing RFC 3550 A.2 or a report naming more ' +
    'blocks than it holds, never throwing; what it returns is bounded by the datagram',
  modules: ['src-main/media/rtcp.ts'],
  input: () => mutatedBytes(rtcpCompound),
  execute(input) {
    const compound = mustNotThrow('parseRtcp', () => parseRtcp(input));
    if (!compound) return;
    const blocks = compound.reports.reduce((sum, report) => sum + report.blocks.length, 0);
    check(blocks * 24 <= input.length, 'more report blocks than the datagram holds');
    check(compound.bye.length * 4 <= input.length, 'more BYE sources than the datagram holds');
    const cnameBytes = compound.cnames.reduce((sum, entry) => sum + entry.cname.length, 0);
    check(cnameBytes <= input.length, 'CNAMEs longer than the datagram');
    for (const report of compound.reports) {
      // What we read, we can write back (as our own reports echo what we measured) and re-read.
      const cname = compound.cnames[0]?.cname ?? 'natter';
      const rebuilt = mustNotThrow('buildRtcpCompound', () =>
        buildRtcpCompound(report, { cname, bye: compound.bye.length > 0 }),
      );
      const reread = parseRtcp(rebuilt);
      check(reread?.reports[0]?.ssrc === report.ssrc, 'a report we wrote does not read back');
      check(
        reread.reports[0]?.blocks.length === Math.min(31, report.blocks.length),
        'report blocks lost in the round trip',
      );
      for (const block of report.blocks) {
        check(
          block.cumulativeLost >= -0x800000 && block.cumulativeLost < 0x800000,
          'cumulative loss outside 24-bit signed',
        );
      }
    }
  },
  ...bytesCodec,
};

const telephoneEvent = fc
  .tuple(fc.nat({ max: 255 }), fc.boolean(), fc.nat({ max: 63 }), fc.nat({ max: 0xffff }))
  .map(([event, end, volume, duration]) =>
    Uint8Array.of(event, (end ? 0x80 : 0) | volume, duration >> 8, duration & 0xff),
  );

export const dtmfTarget: FuzzTarget<
  Array<{ timestamp: number; marker: boolean; payload: string }>
> = {
  name: 'dtmf',
  contract:
    'RFC 4733 payloads of any length decode to null or an event whose fields fit their wire ' +
    'widths; the receiver reports at most one digit per packet, from 0-9*#A-D, and keeps a ' +
    'bounded memory of events',
  modules: ['src-main/media/dtmf.ts'],
  input: () =>
    fc.array(
      fc.record({
        timestamp: fc.oneof(fc.nat({ max: 4 }), fc.nat({ max: 0xffffffff })),
        marker: fc.boolean(),
        payload: mutatedBytes(telephoneEvent).map((bytes) => Buffer.from(bytes).toString('hex')),
      }),
      { minLength: 1, maxLength: 40 },
    ),
  execute(packets) {
    const receiver = new DtmfReceiver();
    for (const packet of packets) {
      const payload = Buffer.from(packet.payload, 'hex');
      const event = mustNotThrow('decodeTelephoneEvent', () => decodeTelephoneEvent(payload));
      if (event) {
        check(event.event <= 255 && event.volume <= 63, 'event fields wider than the wire');
        check(event.duration >= 0 && event.duration <= 0xffff, 'duration wider than 16 bits');
      }
      const digit = mustNotThrow('DtmfReceiver.receive', () =>
        receiver.receive(packet.timestamp, payload, packet.marker),
      );
      check(digit === null || /^[0-9*#A-D]$/.test(digit), `reported digit ${String(digit)}`);
    }
    const memory = (receiver as unknown as { seen: Set<number> }).seen.size;
    check(memory <= 64, `the receiver remembers ${memory} events`);
  },
  ...jsonCodec,
};

/** Offers of the kinds providers, sipp and baresip send, built from their fields. */
/** A 30-byte SDES master key and salt (RFC 4568 §6.1), as base64. */
const SDES_KEY = Buffer.alloc(30, 0x5a).toString('base64');

const sdpOffer = fc
  .record({
    version: fc.constantFrom('0', '0', '0', '1', ''),
    address: fc.constantFrom('198.51.100.7', '0.0.0.0', '10.0.0.1', '::1', 'host.example', ''),
    port: fc.constantFrom('40000', '0', '65535', '65536', '-1', 'x', '40000/2'),
    profile: fc.constantFrom('RTP/AVP', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF', 'rtp/avp'),
    payloads: fc.array(
      fc.oneof(fc.constantFrom('0', '8', '101', '18', '9'), fc.nat().map(String)),
      {
        maxLength: 6,
      },
    ),
    rtpmaps: fc.array(
      fc.tuple(
        fc.constantFrom('0', '8', '9', '101', '96', 'x'),
        fc.constantFrom(
          'PCMU/8000',
          'PCMA/8000',
          'G722/8000',
          'G722/16000',
          'telephone-event/8000',
          'PCMU/16000',
          'opus/48000/2',
        ),
      ),
      { maxLength: 4 },
    ),
    direction: fc.constantFrom('sendrecv', 'sendonly', 'recvonly', 'inactive', 'bogus', ''),
    mediaConnection: fc.boolean(),
    extra: fc.array(
      fc.constantFrom(
        'a=rtcp:40001 IN IP4 198.51.100.7',
        'a=rtcp:99999',
        'a=rtcp-mux',
        'a=ptime:20',
        'a=ptime:0',
        'a=fmtp:101 0-16',
        'm=video 40002 RTP/AVP 96',
        'm=audio 0 RTP/AVP 0',
        'b=AS:64',
        't=0 0',
        `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${SDES_KEY}`,
        `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${SDES_KEY}|2^20|1:4`,
        `a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:${SDES_KEY}${SDES_KEY}`,
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:',
        'a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:####',
        `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${SDES_KEY} KDR=1`,
      ),
      { maxLength: 4 },
    ),
  })
  .map((offer) =>
    [
      `v=${offer.version}`,
      `o=- 1 1 IN IP4 ${offer.address}`,
      's=-',
      `c=IN IP4 ${offer.address}`,
      't=0 0',
      `m=audio ${offer.port} ${offer.profile} ${offer.payloads.join(' ')}`,
      ...(offer.mediaConnection ? [`c=IN IP4 ${offer.address}`] : []),
      ...offer.rtpmaps.map(([pt, codec]) => `a=rtpmap:${pt} ${codec}`),
      ...(offer.direction ? [`a=${offer.direction}`] : []),
      ...offer.extra,
      '',
    ].join('\r\n'),
  );

export const sdpTarget: FuzzTarget<string> = {
  name: 'sdp',
  contract:
    'parseAudioSdp and negotiateAnswer never throw: any offer or answer is a result with ' +
    'a usable address, port and G.711 or G.722 codec, or { ok: false } with a reason of bounded length',
  modules: ['src-main/media/sdp.ts', 'src-main/media/sdes.ts'],
  input: () => mutatedText(sdpOffer),
  execute(sdp) {
    const parsed = mustNotThrow('parseAudioSdp', () => parseAudioSdp(sdp));
    if (!parsed.ok) {
      check(parsed.reason.length <= 200 + sdp.length, 'refusal reason unbounded');
    } else {
      check(parsed.audioPort >= 1 && parsed.audioPort <= 65535, 'audio port out of range');
      check(['PCMU', 'PCMA', 'G722'].includes(parsed.codec.name), `codec ${parsed.codec.name}`);
      check(parsed.codec.clockRate === 8000, `clock rate ${parsed.codec.clockRate}`);
      check(/^\d+\.\d+\.\d+\.\d+$/.test(parsed.connection), 'connection is not IPv4');
    }
    const answer = mustNotThrow('negotiateAnswer', () =>
      negotiateAnswer(sdp, {
        sessionId: '1',
        sessionVersion: 1,
        connection: '203.0.113.7',
        audioPort: 40000,
        codecs: ['G722', 'PCMA', 'PCMU'],
      }),
    );
    if (answer.ok) {
      check(answer.sdp.length < 2000, 'answer SDP unbounded');
      check(parsed.ok, 'an answer to an offer that does not parse');
      // The answer we produce must read back as the remote would read it.
      const reread = parseAudioSdp(answer.sdp);
      check(reread.ok, `our own answer does not parse: ${reread.ok ? '' : reread.reason}`);
    }
  },
  ...textCodec,
};
