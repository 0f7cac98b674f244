/**
 * Demultiplexing of one UDP socket shared by several protocols, by the first byte of each
 * datagram (RFC 7983 §7, extended for SIP whose messages start with an ASCII letter or CR/LF).
 */
export type PacketKind = 'stun' | 'turn-channel' | 'rtp' | 'sip' | 'unknown';

/**
 * What a socket carries. The first bytes of SIP methods (`I`NVITE, `A`CK, `B`YE, `C`ANCEL, ...)
 * fall in 64–79, the range RFC 7983 gives TURN ChannelData, so the two cannot be told apart by
 * the first byte: a SIP socket never carries TURN channels and a media socket never carries SIP.
 */
export type SocketRole = 'sip' | 'media';

export function classifyPacket(datagram: Uint8Array, role: SocketRole = 'media'): PacketKind {
  const first = datagram[0];
  if (first === undefined) return 'unknown';
  if (first <= 3) return 'stun';
  if (first >= 128 && first <= 191) return 'rtp';
  if (role === 'media') return first >= 64 && first <= 79 ? 'turn-channel' : 'unknown';
  // SIP: a method name (an RFC 3261 token: extension methods may start with any token
  // character, not only a letter) or "SIP/2.0", or a CRLF keepalive (RFC 5626 §3.5.1).
  return SIP_FIRST_BYTES.has(first) ? 'sip' : 'unknown';
}

/** RFC 3261 §25.1 `token` characters, and CR/LF. */
const SIP_FIRST_BYTES = new Set(
  [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~\r\n"].map(
    (character) => character.charCodeAt(0),
  ),
);
