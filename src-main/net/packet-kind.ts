/**
 * Demultiplexing of one UDP socket shared by several protocols, by the first byte of each
 * datagram (RFC 7983 §7, extended for SIP whose messages start with an ASCII letter or CR/LF).
 */
export type PacketKind = 'stun' | 'turn-channel' | 'rtp' | 'sip' | 'unknown';

export function classifyPacket(datagram: Uint8Array): PacketKind {
  const first = datagram[0];
  if (first === undefined) return 'unknown';
  if (first <= 3) return 'stun';
  if (first >= 64 && first <= 79) return 'turn-channel';
  if (first >= 128 && first <= 191) return 'rtp';
  // SIP: a method name or "SIP/2.0" (letters), or a CRLF keepalive (RFC 5626 §3.5.1).
  if (
    (first >= 65 && first <= 90) ||
    (first >= 97 && first <= 122) ||
    first === 13 ||
    first === 10
  ) {
    return 'sip';
  }
  return 'unknown';
}
