/**
 * Whether a call is encrypted, as the call screen says it: a lock only when both the signalling
 * (SIP over TLS) and the audio (SRTP) are, since either one in clear text exposes the call (SDES
 * keys travel in the signalling); and, when the settings asked for encryption and the call is not
 * fully encrypted, plain lines saying what is not.
 */
import type { CallInfo, SipTransport } from '../../../src-shared/domain.js';
import type { Settings } from '../../../src-shared/settings.js';

export type CallSecurity =
  /** Both legs encrypted: the lock, with its label. */
  | { kind: 'encrypted'; label: string }
  /** Encryption was asked for and some of the call runs in clear text: what, in words. */
  | { kind: 'exposed'; lines: string[] }
  /** Nothing asked for and nothing to show, or too early to tell. */
  | { kind: 'unsaid' };

export type EncryptionWanted = Pick<Settings, 'sipTransport' | 'mediaEncryption'>;

const TRANSPORT_NAMES: Record<SipTransport, string> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

/** The lock's words: `Encrypted call (TLS + SRTP, suite AES_CM_128_HMAC_SHA1_80)`. */
export function encryptedCallLabel(suite: string | null): string {
  return suite ? `Encrypted call (TLS + SRTP, suite ${suite})` : 'Encrypted call (TLS + SRTP)';
}

export function callSecurity(
  call: Pick<CallInfo, 'state' | 'transport' | 'srtp'>,
  wanted: EncryptionWanted,
): CallSecurity {
  // The answer's SDP settles SRTP; before it, "not encrypted" could be said of a call that will be.
  if (call.state !== 'connected' && call.state !== 'on-hold') return { kind: 'unsaid' };
  const transport = call.transport ?? 'udp';
  const signallingEncrypted = transport === 'tls';
  const audioEncrypted = call.srtp?.active === true;
  if (signallingEncrypted && audioEncrypted) {
    return { kind: 'encrypted', label: encryptedCallLabel(call.srtp?.suite ?? null) };
  }
  if (wanted.sipTransport !== 'tls' && wanted.mediaEncryption === 'off') return { kind: 'unsaid' };
  const lines: string[] = [];
  if (!audioEncrypted) {
    lines.push(
      wanted.mediaEncryption === 'off'
        ? 'This call’s audio is not encrypted: media encryption is off in Settings.'
        : wanted.mediaEncryption === 'required'
          ? 'This call’s audio is not encrypted, though Settings require it: the other side did not accept SRTP.'
          : 'This call’s audio is not encrypted: the other side did not accept SRTP.',
    );
  }
  if (!signallingEncrypted) {
    const over = TRANSPORT_NAMES[transport];
    lines.push(
      wanted.sipTransport === 'tls'
        ? `This call’s signalling is not encrypted: it went over ${over}, not TLS.`
        : audioEncrypted
          ? `This call’s signalling is not encrypted (SIP over ${over}), so the audio’s keys crossed the network readable: choose TLS in Settings → Encryption.`
          : `This call’s signalling is not encrypted (SIP over ${over}).`,
    );
  }
  return { kind: 'exposed', lines };
}
