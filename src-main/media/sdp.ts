/**
 * The audio SDP of a softphone (RFC 4566 syntax, RFC 3264 offer/answer, RFC 3551 payload types):
 * building our small offer or answer, reading the remote's, and choosing what to answer. Parsing
 * and writing go through sdp-transform; this module decides what the fields mean.
 */
import { isIPv4 } from 'node:net';
import { parse, write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import { G722_SAMPLE_RATE } from './g722.js';
import { cryptoAttribute, readCryptoAttributes, type SdesCrypto } from './sdes.js';
import { RTP_CLOCK_RATE, VOICE_PAYLOAD_TYPES, type VoiceCodecName } from './voice-codec.js';

export type AudioCodecName = VoiceCodecName;
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Static payload types of G.711 and G.722 (RFC 3551 §6, Table 4). */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<AudioCodecName, number>> = VOICE_PAYLOAD_TYPES;
export const DEFAULT_TELEPHONE_EVENT_PT = 101;
/** Every codec here is written `/8000`, G.722 too (RFC 3551 §4.5.2: its clock-rate quirk). */
const CLOCK_RATE = RTP_CLOCK_RATE;
/**
 * The rate some endpoints write in G.722's rtpmap instead: its audio's 16 kHz. It names the same
 * codec, and its RTP clock stays at 8000, as pjsip, baresip and Asterisk keep it whatever the
 * rtpmap says: pjsip (PJMEDIA_HANDLE_G722_MPEG_BUG) stamps 8000 and learns on receipt whether the
 * far end steps its timestamps by a 20 ms packet's 160 or 320; baresip (libre) matches a static
 * payload type by its number alone, rtpmap ignored, and stamps at 8000; Asterisk stamps G.722 at
 * 8000 always. Playout here is ordered by sequence number, so either step plays the same.
 */
const G722_AUDIO_RATE = G722_SAMPLE_RATE;
const CODEC_NAMES: ReadonlySet<string> = new Set<AudioCodecName>(['PCMU', 'PCMA', 'G722']);
const SUPPORTED_PROFILES = new Set(['RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'RTP/SAVPF']);
/** The profiles of SRTP (RFC 3711 §12): the offerer demands it. */
const SECURE_PROFILES = new Set(['RTP/SAVP', 'RTP/SAVPF']);
const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

export interface AudioSdpOptions {
  /** o= session id: numeric, chosen once per call (RFC 4566 §5.2). */
  sessionId: string;
  /** o= version: must grow with every new description of the session (RFC 3264 §8). */
  sessionVersion: number;
  /** o= username; `-` by default. Whitespace is not allowed there and is replaced. */
  username?: string;
  /** The address the other side must send RTP to: the public mapping behind NAT. */
  connection: string;
  /** The port the other side must send RTP to (0 rejects the stream in an answer). */
  audioPort: number;
  /** Codecs offered, in order of preference. */
  codecs: AudioCodecName[];
  /** Payload type to use for a codec instead of its static one (answering a peer's mapping). */
  codecPayloadTypes?: Partial<Record<AudioCodecName, number>>;
  /** The rtpmap rate to write for a codec instead of 8000 (answering `G722/16000` in kind). */
  codecRtpmapRates?: Partial<Record<AudioCodecName, number>>;
  /** RFC 4733 telephone-event payload type; 101 by default, null to leave DTMF events out. */
  telephoneEventPt?: number | null;
  direction?: MediaDirection;
  /** Packet time in ms (RFC 4566 §6); 20 by default. */
  ptime?: number;
  /**
   * Where the other side sends RTCP, when it is not the RTP address with the port above it
   * (RFC 3605 `a=rtcp`): behind NAT, the public mapping of the RTCP socket.
   */
  rtcp?: { address: string; port: number };
  /** Offers (or accepts) RTCP on the RTP port, RFC 5761 `a=rtcp-mux`. */
  rtcpMux?: boolean;
  /** `RTP/SAVP` demands SRTP (RFC 3711 §12); `RTP/AVP` by default. */
  profile?: 'RTP/AVP' | 'RTP/SAVP';
  /** SDES keys (RFC 4568 `a=crypto`), offered or answered. */
  crypto?: SdesCrypto[];
}

/**
 * A small SDP: one audio stream with G.722, G.711 and telephone-event, about 280 bytes, so an INVITE
 * still fits one UDP datagram below the path MTU (RFC 3261 §18.1.1). The connection address is
 * given at session level only, on purpose: some peers (sipp) read nothing else.
 */
export function buildAudioSdp(options: AudioSdpOptions): string {
  if (options.codecs.length === 0) throw new RangeError('an audio SDP needs at least one codec');
  if (!isPort(options.audioPort, true)) throw new RangeError(`bad port ${options.audioPort}`);
  const rtp: Array<{ payload: number; codec: string; rate: number }> = options.codecs.map(
    (codec) => ({
      payload: options.codecPayloadTypes?.[codec] ?? STATIC_PAYLOAD_TYPES[codec],
      codec,
      rate: options.codecRtpmapRates?.[codec] ?? CLOCK_RATE,
    }),
  );
  const fmtp: Array<{ payload: number; config: string }> = [];
  const telephoneEventPt =
    options.telephoneEventPt === undefined ? DEFAULT_TELEPHONE_EVENT_PT : options.telephoneEventPt;
  if (telephoneEventPt !== null) {
    rtp.push({ payload: telephoneEventPt, codec: 'telephone-event', rate: CLOCK_RATE });
    // Events 0-15 are the DTMF digits, 16 is flash (RFC 4733 §3.2).
    fmtp.push({ payload: telephoneEventPt, config: '0-16' });
  }
  for (const { payload } of rtp) {
    if (!Number.isInteger(payload) || payload < 0 || payload > 127) {
      throw new RangeError(`bad payload type ${payload}`);
    }
  }
  if (new Set(rtp.map(({ payload }) => payload)).size !== rtp.length) {
    throw new RangeError('two formats share one payload type');
  }
  const description: SessionDescription = {
    version: 0,
    origin: {
      username: (options.username ?? '-').replace(/\s+/g, '_') || '-',
      sessionId: options.sessionId,
      sessionVersion: options.sessionVersion,
      netType: 'IN',
      ipVer: 4,
      address: options.connection,
    },
    name: 'natter',
    connection: { version: 4, ip: options.connection },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: options.audioPort,
        protocol: options.profile ?? 'RTP/AVP',
        payloads: rtp.map(({ payload }) => payload).join(' '),
        rtp,
        fmtp,
        ptime: options.ptime ?? 20,
        direction: options.direction ?? 'sendrecv',
        ...(options.rtcp
          ? {
              rtcp: {
                port: options.rtcp.port,
                netType: 'IN',
                ipVer: 4,
                address: options.rtcp.address,
              },
            }
          : {}),
        ...(options.rtcpMux ? { rtcpMux: 'rtcp-mux' } : {}),
        ...(options.crypto?.length ? { crypto: options.crypto.map(cryptoAttribute) } : {}),
      },
    ],
  };
  if (options.rtcp && !isPort(options.rtcp.port, false)) {
    throw new RangeError(`bad RTCP port ${options.rtcp.port}`);
  }
  return write(description);
}

/** A codec of the remote's list that we can use, under the payload type it gave it. */
export interface SdpCodec {
  name: AudioCodecName;
  payloadType: number;
  /** The RTP clock its timestamps run at: 8000 for every codec here. */
  clockRate: number;
  /** The rate the remote's rtpmap wrote, where it is not the RTP clock (`G722/16000`). */
  rtpmapRate?: number;
}

export interface ParsedAudioSdp {
  /** Where to send RTP: the media-level `c=` if present, else the session-level one. */
  connection: string;
  audioPort: number;
  /** The m= line's formats, in the remote's order of preference. */
  payloadTypes: number[];
  /** The first format of the remote's list that we support. */
  codec: SdpCodec;
  /** Every format of the remote's list that we support, in its order. */
  codecs: SdpCodec[];
  telephoneEventPt: number | null;
  /**
   * The remote's direction. A `c=0.0.0.0` (the RFC 2543 way of holding, RFC 3264 §8.4) removes
   * "recv" from it: the remote must not be sent to.
   */
  direction: MediaDirection;
  /** The remote is holding the call: it does not want our media (sendonly, inactive, 0.0.0.0). */
  onHold: boolean;
  /** RTCP port from `a=rtcp` (RFC 3605), when given. */
  rtcpPort?: number;
  /** RTCP address from `a=rtcp`, when given. */
  rtcpAddress?: string;
  /** Whether the remote offers or accepts RTCP on the RTP port (RFC 5761 `a=rtcp-mux`). */
  rtcpMux: boolean;
  /** Packet time in ms from `a=ptime`, when given. */
  ptime?: number;
  /** The stream's profile is RTP/SAVP(F): SRTP or nothing. */
  secure: boolean;
  /** The `a=crypto` lines we can use, in the remote's order (RFC 4568). */
  crypto: SdesCrypto[];
  /** How many `a=crypto` lines there were, usable or not. */
  cryptoLines: number;
}

export type ParseResult = ({ ok: true } & ParsedAudioSdp) | { ok: false; reason: string };

/**
 * Reads the remote's SDP for the one audio stream a call uses. Never throws, whatever arrives:
 * anything that does not give an address, a port and a codec we can use comes back as
 * `{ ok: false, reason }` with a reason fit for a log line or a 488.
 */
export function parseAudioSdp(sdp: string): ParseResult {
  let description: SessionDescription;
  try {
    description = parse(String(sdp));
  } catch {
    return { ok: false, reason: 'the SDP cannot be parsed' };
  }
  if (description.version !== 0) return { ok: false, reason: 'not an SDP (no v=0 line)' };
  const audioStreams = (description.media ?? []).filter((media) => media.type === 'audio');
  const first = audioStreams[0];
  if (!first) return { ok: false, reason: 'no audio stream in the SDP' };
  const audio = audioStreams.find(
    (media) => isPort(media.port, false) && SUPPORTED_PROFILES.has(upper(media.protocol)),
  );
  if (!audio) {
    if (first.port === 0) return { ok: false, reason: 'the audio stream is disabled (port 0)' };
    if (!isPort(first.port, false)) return { ok: false, reason: 'the audio m= line is malformed' };
    return {
      ok: false,
      reason: `the audio stream uses ${String(first.protocol)}; only RTP/AVP and RTP/SAVP are supported`,
    };
  }
  const connectionLine = audio.connection ?? description.connection;
  if (!connectionLine?.ip) return { ok: false, reason: 'the SDP has no connection address (c=)' };
  if (connectionLine.version !== 4 || !isIPv4(connectionLine.ip)) {
    return { ok: false, reason: `unsupported media address ${connectionLine.ip} (IPv4 only)` };
  }
  const connection = connectionLine.ip;
  const payloadTypes = String(audio.payloads ?? '')
    .split(/\s+/)
    .filter((token) => /^\d{1,3}$/.test(token))
    .map(Number)
    .filter((value) => value <= 127);
  const { codecs, telephoneEventPt } = readFormats(audio, payloadTypes);
  const codec = codecs[0];
  if (!codec) {
    return {
      ok: false,
      reason: `none of the offered formats (${payloadTypes.join(' ') || 'none'}) is G.722, PCMU or PCMA`,
    };
  }
  let direction = asDirection(audio.direction) ?? asDirection(description.direction) ?? 'sendrecv';
  const zeroAddress = connection === '0.0.0.0';
  if (zeroAddress) {
    direction =
      direction === 'sendrecv' ? 'sendonly' : direction === 'recvonly' ? 'inactive' : direction;
  }
  const parsed: ParsedAudioSdp = {
    connection,
    audioPort: audio.port,
    payloadTypes,
    codec,
    codecs,
    telephoneEventPt,
    direction,
    onHold: direction === 'sendonly' || direction === 'inactive',
    rtcpMux: audio.rtcpMux === 'rtcp-mux',
    secure: SECURE_PROFILES.has(upper(audio.protocol)),
    crypto: [],
    cryptoLines: 0,
  };
  const crypto = readCryptoAttributes(audio.crypto);
  parsed.crypto = crypto.usable;
  parsed.cryptoLines = crypto.lines;
  if (audio.rtcp && isPort(audio.rtcp.port, false)) {
    parsed.rtcpPort = audio.rtcp.port;
    if (audio.rtcp.address && isIPv4(audio.rtcp.address)) parsed.rtcpAddress = audio.rtcp.address;
  }
  const ptime = Number(audio.ptime);
  if (Number.isInteger(ptime) && ptime > 0) parsed.ptime = ptime;
  return { ok: true, ...parsed };
}

function readFormats(
  audio: MediaDescription,
  payloadTypes: number[],
): { codecs: SdpCodec[]; telephoneEventPt: number | null } {
  const rtpmap = new Map<number, { codec: string; rate?: number }>();
  for (const entry of Array.isArray(audio.rtp) ? audio.rtp : []) {
    if (typeof entry?.codec === 'string') rtpmap.set(Number(entry.payload), entry);
  }
  const codecs: SdpCodec[] = [];
  let telephoneEventPt: number | null = null;
  for (const payloadType of payloadTypes) {
    const mapped = rtpmap.get(payloadType);
    // Static types need no rtpmap (RFC 3551 §6); an explicit one wins if present.
    const name = mapped ? upper(mapped.codec) : staticName(payloadType);
    const rate = mapped ? Number(mapped.rate) : CLOCK_RATE;
    const g722AtAudioRate = name === 'G722' && rate === G722_AUDIO_RATE;
    if (rate !== CLOCK_RATE && !g722AtAudioRate) continue;
    if (isCodecName(name) && !codecs.some((codec) => codec.name === name)) {
      codecs.push({
        name,
        payloadType,
        clockRate: CLOCK_RATE,
        ...(g722AtAudioRate ? { rtpmapRate: rate } : {}),
      });
    } else if (name === 'TELEPHONE-EVENT' && telephoneEventPt === null) {
      telephoneEventPt = payloadType;
    }
  }
  return { codecs, telephoneEventPt };
}

export interface AnswerOptions {
  sessionId: string;
  sessionVersion: number;
  username?: string;
  /** Our public RTP address and port, as for an offer. */
  connection: string;
  audioPort: number;
  /** Codecs we can use, in our order of preference, which picks among the offer's. */
  codecs: AudioCodecName[];
  /** Whether we accept telephone-events when offered; true by default. */
  telephoneEvent?: boolean;
  /** We are holding the call ourselves. */
  hold?: boolean;
  ptime?: number;
}

export type AnswerResult =
  | {
      ok: true;
      sdp: string;
      codec: SdpCodec;
      telephoneEventPt: number | null;
      /** Our direction, as written in the answer. */
      direction: MediaDirection;
      /** The offer, as parsed. */
      remote: ParsedAudioSdp;
    }
  | { ok: false; reason: string };

/**
 * Our direction in an answer (RFC 3264 §6.1): the mirror of the offer's, and no more than
 * sendonly when we hold (§8.4).
 */
export function answerDirection(offered: MediaDirection, hold = false): MediaDirection {
  const weReceive = !hold && (offered === 'sendrecv' || offered === 'sendonly');
  const weSend = offered === 'sendrecv' || offered === 'recvonly';
  if (weSend && weReceive) return 'sendrecv';
  if (weSend) return 'sendonly';
  if (weReceive) return 'recvonly';
  return 'inactive';
}

/**
 * Answers an offer (RFC 3264 §6): the codec {@link chooseCodec} picks, under the offer's
 * payload type; telephone-event kept, under its payload type, when offered; the
 * mirrored direction.
 */
export function negotiateAnswer(
  offer: string | ParseResult | ParsedAudioSdp,
  local: AnswerOptions,
): AnswerResult {
  const remote: ParseResult =
    typeof offer === 'string'
      ? parseAudioSdp(offer)
      : 'ok' in offer
        ? offer
        : { ok: true, ...offer };
  if (!remote.ok) return remote;
  const codec = chooseCodec(remote.codecs, local.codecs);
  if (!codec) {
    return {
      ok: false,
      reason: `no codec in common: offered ${remote.codecs.map((c) => c.name).join(', ')}, we have ${local.codecs.join(', ')}`,
    };
  }
  const telephoneEventPt = local.telephoneEvent === false ? null : remote.telephoneEventPt;
  const direction = answerDirection(remote.direction, local.hold);
  const sdp = buildAudioSdp({
    sessionId: local.sessionId,
    sessionVersion: local.sessionVersion,
    ...(local.username === undefined ? {} : { username: local.username }),
    connection: local.connection,
    audioPort: local.audioPort,
    codecs: [codec.name],
    ...answeredFormat(codec),
    telephoneEventPt,
    direction,
    ...(local.ptime === undefined ? {} : { ptime: local.ptime }),
  });
  const { ok: _ok, ...parsed } = remote;
  return { ok: true, sdp, codec, telephoneEventPt, direction, remote: parsed };
}

/**
 * How an answer writes the codec it takes: under the offer's payload type and with the offer's
 * rtpmap rate (RFC 3264 §6.1: the answer uses the offerer's mapping), so `G722/16000` is answered
 * `G722/16000`, the way the offerer knows its own codec.
 */
export function answeredFormat(
  codec: SdpCodec,
): Pick<AudioSdpOptions, 'codecPayloadTypes' | 'codecRtpmapRates'> {
  return {
    codecPayloadTypes: { [codec.name]: codec.payloadType },
    ...(codec.rtpmapRate === undefined
      ? {}
      : { codecRtpmapRates: { [codec.name]: codec.rtpmapRate } }),
  };
}

/**
 * What an answer of ours carries (RFC 3264 §6.1 lets the answerer choose among the offer's
 * formats): the first codec of our order of preference that the offer has, so a G.722 offer is
 * answered with G.722 unless the user put it after another the offer has too. Null when the
 * offer has none of ours.
 */
export function chooseCodec(
  offered: readonly SdpCodec[],
  ours: readonly AudioCodecName[],
): SdpCodec | null {
  for (const name of ours) {
    const match = offered.find((codec) => codec.name === name);
    if (match) return match;
  }
  return null;
}

function isCodecName(name: string): name is AudioCodecName {
  return CODEC_NAMES.has(name);
}

function isPort(value: unknown, allowZero: boolean): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value <= 65535 &&
    (allowZero ? value >= 0 : value > 0)
  );
}

function upper(value: unknown): string {
  return typeof value === 'string' ? value.toUpperCase() : '';
}

function staticName(payloadType: number): string {
  if (payloadType === STATIC_PAYLOAD_TYPES.PCMU) return 'PCMU';
  if (payloadType === STATIC_PAYLOAD_TYPES.PCMA) return 'PCMA';
  if (payloadType === STATIC_PAYLOAD_TYPES.G722) return 'G722';
  return '';
}

function asDirection(value: unknown): MediaDirection | undefined {
  return DIRECTIONS.find((direction) => direction === value);
}
