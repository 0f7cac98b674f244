import { describe, expect, it } from 'vitest';
import type { CallInfo } from '../../../src-shared/domain.js';
import {
  callSecurity,
  encryptedCallLabel,
  type EncryptionWanted,
} from '../../../src-renderer/src/call/call-security.js';

type Leg = Pick<CallInfo, 'state' | 'transport' | 'srtp'>;
const SUITE = 'AES_CM_128_HMAC_SHA1_80';
const tlsSrtp: Leg = { state: 'connected', transport: 'tls', srtp: { suite: SUITE, active: true } };
const plain: Leg = { state: 'connected' };
const off: EncryptionWanted = { sipTransport: 'udp', mediaEncryption: 'off' };
const everything: EncryptionWanted = { sipTransport: 'tls', mediaEncryption: 'required' };

describe('call security', () => {
  it('shows the lock only when both the signalling (TLS) and the audio (SRTP) are encrypted', () => {
    expect(callSecurity(tlsSrtp, everything)).toEqual({
      kind: 'encrypted',
      label: 'Encrypted call (TLS + SRTP, suite AES_CM_128_HMAC_SHA1_80)',
    });
    // Settings changed since the call began: the call is still what it is.
    expect(callSecurity(tlsSrtp, off).kind).toBe('encrypted');
    expect(callSecurity({ ...tlsSrtp, state: 'on-hold' }, everything).kind).toBe('encrypted');
    expect(encryptedCallLabel(null)).toBe('Encrypted call (TLS + SRTP)');
    for (const half of [
      { ...tlsSrtp, srtp: { suite: SUITE, active: false } },
      { ...tlsSrtp, srtp: undefined },
      { ...tlsSrtp, transport: 'udp' as const },
      { ...tlsSrtp, transport: 'tcp' as const },
      { ...tlsSrtp, transport: undefined },
    ]) {
      expect(callSecurity(half, everything).kind).not.toBe('encrypted');
    }
  });

  it('says nothing about a plain call when no encryption was asked for', () => {
    expect(callSecurity(plain, off)).toEqual({ kind: 'unsaid' });
    expect(callSecurity({ ...plain, transport: 'tcp' }, { ...off, sipTransport: 'tcp' })).toEqual({
      kind: 'unsaid',
    });
  });

  it('says nothing before the call is answered, when SRTP is not settled yet', () => {
    for (const state of ['calling', 'ringing', 'early-media', 'incoming', 'ended'] as const) {
      expect(callSecurity({ ...plain, state }, everything), state).toEqual({ kind: 'unsaid' });
      expect(callSecurity({ ...tlsSrtp, state }, everything), state).toEqual({ kind: 'unsaid' });
    }
  });

  it('with TLS and SRTP when offered, says the audio is not encrypted when the other side declined', () => {
    const wanted: EncryptionWanted = { sipTransport: 'tls', mediaEncryption: 'optional' };
    expect(
      callSecurity(
        { state: 'connected', transport: 'tls', srtp: { suite: null, active: false } },
        wanted,
      ),
    ).toEqual({
      kind: 'exposed',
      lines: ['This call’s audio is not encrypted: the other side did not accept SRTP.'],
    });
    // An engine that reports no SRTP at all: the audio is plain RTP, said alike.
    expect(callSecurity({ state: 'connected', transport: 'tls' }, wanted)).toEqual({
      kind: 'exposed',
      lines: ['This call’s audio is not encrypted: the other side did not accept SRTP.'],
    });
  });

  it('with SRTP required, says the call broke the rule', () => {
    expect(callSecurity({ state: 'connected', transport: 'tls' }, everything)).toEqual({
      kind: 'exposed',
      lines: [
        'This call’s audio is not encrypted, though Settings require it: the other side did not accept SRTP.',
      ],
    });
  });

  it('with TLS chosen, says a call whose signalling went in clear text', () => {
    expect(callSecurity(plain, { sipTransport: 'tls', mediaEncryption: 'off' })).toEqual({
      kind: 'exposed',
      lines: [
        'This call’s audio is not encrypted: media encryption is off in Settings.',
        'This call’s signalling is not encrypted: it went over UDP, not TLS.',
      ],
    });
  });

  it('with SRTP but no TLS, says the keys of the audio crossed the network readable', () => {
    const wanted: EncryptionWanted = { sipTransport: 'udp', mediaEncryption: 'optional' };
    expect(
      callSecurity({ state: 'connected', srtp: { suite: SUITE, active: true } }, wanted),
    ).toEqual({
      kind: 'exposed',
      lines: [
        'This call’s signalling is not encrypted (SIP over UDP), so the audio’s keys crossed the network readable: choose TLS in Settings → Encryption.',
      ],
    });
    expect(callSecurity({ state: 'connected', transport: 'tcp' }, wanted)).toEqual({
      kind: 'exposed',
      lines: [
        'This call’s audio is not encrypted: the other side did not accept SRTP.',
        'This call’s signalling is not encrypted (SIP over TCP).',
      ],
    });
  });
});
