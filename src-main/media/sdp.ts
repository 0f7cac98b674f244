import { parse, write, type SessionDescription } from 'sdp-transform';

export type AudioCodecName = 'PCMU' | 'PCMA';
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const STATIC_PAYLOAD: Record<AudioCodecName, number> = { PCMU: 0, PCMA: 8 };

export interface AudioSdpOptions {
  sessionId: string;
  sessionVersion: number;
  username?: string;
  /** The address the other side must send RTP to: the public mapping behind NAT. */
  connection: string;
  audioPort: number;
  codecs: AudioCodecName[];
  /** RFC 4733 payload type; omitted when undefined. */
  telephoneEventPt?: number;
  direction?: MediaDirection;
  ptime?: number;
}

/**
 * A small SDP (RFC 4566, RFC 3264): one audio stream, G.711 and telephone-event, so an INVITE
 * fits one UDP datagram. Session-level `c=` on purpose: some peers (sipp) read only that one.
 */
export function buildAudioSdp(options: AudioSdpOptions): string {
  const rtp: Array<{ payload: number; codec: string; rate: number }> = options.codecs.map(
    (codec) => ({
      payload: STATIC_PAYLOAD[codec],
      codec,
      rate: 8000,
    }),
  );
  const fmtp: Array<{ payload: number; config: string }> = [];
  if (options.telephoneEventPt !== undefined) {
    rtp.push({ payload: options.telephoneEventPt, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: options.telephoneEventPt, config: '0-16' });
  }
  const description: SessionDescription = {
    version: 0,
    origin: {
      username: options.username ?? '-',
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
        protocol: 'RTP/AVP',
        payloads: rtp.map((entry) => entry.payload).join(' '),
        rtp,
        fmtp,
        ptime: options.ptime ?? 20,
        direction: options.direction ?? 'sendrecv',
      },
    ],
  };
  return write(description);
}

export interface ParsedAudioSdp {
  /** Where to send RTP: the media-level `c=` if present, else the session-level one. */
  connection: string;
  audioPort: number;
  payloadTypes: number[];
  /** The first codec of the remote's list that we support. */
  codec: { name: AudioCodecName; payloadType: number; clockRate: number } | null;
  telephoneEventPt: number | null;
  direction: MediaDirection;
  rtcpPort?: number;
}

export type ParseResult = ({ ok: true } & ParsedAudioSdp) | { ok: false; reason: string };

/** Parses the remote's SDP; never throws, whatever arrives. */
export function parseAudioSdp(sdp: string): ParseResult {
  let description: SessionDescription;
  try {
    description = parse(sdp);
  } catch {
    return { ok: false, reason: 'the SDP cannot be parsed' };
  }
  const audio = description.media?.find((media) => media.type === 'audio');
  if (!audio) return { ok: false, reason: 'no audio stream in the SDP' };
  if (!Number.isInteger(audio.port) || audio.port <= 0 || audio.port > 65535) {
    return { ok: false, reason: 'the audio stream is disabled (port 0)' };
  }
  const connection = audio.connection?.ip ?? description.connection?.ip;
  if (!connection) return { ok: false, reason: 'the SDP has no connection address' };
  const payloadTypes = String(audio.payloads ?? '')
    .split(/\s+/)
    .filter((token) => token !== '')
    .map(Number)
    .filter((value) => Number.isInteger(value) && value >= 0 && value <= 127);
  const rtpmap = new Map((audio.rtp ?? []).map((entry) => [entry.payload, entry]));
  let codec: ParsedAudioSdp['codec'] = null;
  let telephoneEventPt: number | null = null;
  for (const payloadType of payloadTypes) {
    const entry = rtpmap.get(payloadType);
    const name =
      entry?.codec.toUpperCase() ?? (payloadType === 0 ? 'PCMU' : payloadType === 8 ? 'PCMA' : '');
    if (!codec && (name === 'PCMU' || name === 'PCMA')) {
      codec = { name, payloadType, clockRate: entry?.rate ?? 8000 };
    }
    if (name === 'TELEPHONE-EVENT' && (entry?.rate ?? 8000) === 8000 && telephoneEventPt === null) {
      telephoneEventPt = payloadType;
    }
  }
  let direction: MediaDirection =
    (audio.direction as MediaDirection | undefined) ??
    (description.direction as MediaDirection | undefined) ??
    'sendrecv';
  // RFC 3264 §8.4 (and older RFC 2543 practice): c=0.0.0.0 means hold.
  if (connection === '0.0.0.0' && direction === 'sendrecv') direction = 'sendonly';
  return {
    ok: true,
    connection,
    audioPort: audio.port,
    payloadTypes,
    codec,
    telephoneEventPt,
    direction,
    ...(audio.rtcp?.port ? { rtcpPort: audio.rtcp.port } : {}),
  };
}
