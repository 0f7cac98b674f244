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
  // SIP: a method name or "SIP/2.0" (letters), or a CRLF keepalive (RFC 5626 §3.5.1).
  const letter = (first >= 65 && first <= 90) || (first >= 97 && first <= 122);
  return letter || first === 13 || first === 10 ? 'sip' : 'unknown';
}
