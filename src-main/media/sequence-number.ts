/**
 * RTP sequence numbers are 16 bits and wrap every 65 536 packets (21 minutes of 20 ms audio).
 * Ordering them needs an unbounded "extended" number (RFC 3550 §6.4.1, Appendix A.1): the value
 * congruent to the 16-bit one that lies nearest to what has been seen so far.
 */

const MODULUS = 0x10000;
const HALF = 0x8000;

/**
 * Extends a 16-bit sequence number to the integer nearest `reference` (an extended number
 * already seen) with the same low 16 bits, so 65535 → 0 counts as one step forward and a packet
 * reordered across the wrap lands just behind.
 */
export function extendSequence(sequence: number, reference: number): number {
  const low = ((reference % MODULUS) + MODULUS) % MODULUS;
  let candidate = reference - low + (sequence & 0xffff);
  if (candidate - reference > HALF) candidate -= MODULUS;
  else if (reference - candidate > HALF) candidate += MODULUS;
  return candidate;
}
