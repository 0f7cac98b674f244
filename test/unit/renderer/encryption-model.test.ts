import { describe, expect, it } from 'vitest';
import {
  checkCaFilePath,
  encryptionSaved,
  mediaEncryptionHint,
  registrarLine,
} from '../../../src-renderer/src/settings/encryption-model.js';

describe('Settings → Encryption', () => {
  it('takes an empty CA file as "the system’s authorities only" and a full path as given', () => {
    expect(checkCaFilePath('  ')).toEqual({ valid: true, path: null });
    expect(checkCaFilePath(' /etc/ssl/pbx-ca.pem ')).toEqual({
      valid: true,
      path: '/etc/ssl/pbx-ca.pem',
    });
    expect(checkCaFilePath('C:\\certs\\pbx.pem')).toEqual({
      valid: true,
      path: 'C:\\certs\\pbx.pem',
    });
  });

  it('refuses a CA file that is not a full path, in words', () => {
    expect(checkCaFilePath('pbx-ca.pem')).toEqual({
      valid: false,
      error: 'Expected the full path of the file, e.g. /etc/ssl/pbx-ca.pem.',
    });
    expect(checkCaFilePath('/etc/a\u0000b')).toEqual({
      valid: false,
      error: 'A file path has no control characters.',
    });
    expect(checkCaFilePath(`/${'a'.repeat(1100)}`).valid).toBe(false);
  });

  it('says where the phone registers: port 5061 over TLS unless one was typed', () => {
    expect(registrarLine('montreal.voip.ms', 'tls')).toBe(
      'Registers to montreal.voip.ms:5061 over TLS.',
    );
    expect(registrarLine('montreal.voip.ms', 'udp')).toBe(
      'Registers to montreal.voip.ms:5060 over UDP.',
    );
    expect(registrarLine('pbx.example.net:5081', 'tls')).toBe(
      'Registers to pbx.example.net:5081 over TLS.',
    );
  });

  it('warns that SRTP without TLS sends its keys readable', () => {
    expect(mediaEncryptionHint('optional', 'udp')).toContain('choose TLS as well');
    expect(mediaEncryptionHint('required', 'tcp')).toContain('choose TLS as well');
    expect(mediaEncryptionHint('required', 'tls')).not.toContain('choose TLS');
    expect(mediaEncryptionHint('off', 'udp')).toBe('Calls’ audio goes as plain RTP.');
  });

  it('says what a save did', () => {
    expect(encryptionSaved({ sipTransport: 'tls', mediaEncryption: 'required' })).toBe(
      'Saved: SIP over TLS, audio always encrypted',
    );
    expect(encryptionSaved({ sipTransport: 'udp', mediaEncryption: 'optional' })).toBe(
      'Saved: SIP over UDP, audio encrypted when the other side takes it',
    );
  });
});
