/** Stand-ins for Electron's safeStorage in tests of the settings store and what uses it. */
import type { SecretCipher } from '../../src-main/storage/settings-store.js';

/** No secrecy at all: for tests that only need a password stored and read back. */
export const plainCipher: SecretCipher = {
  isAvailable: () => true,
  encrypt: (plain) => Buffer.from(plain, 'utf8'),
  decrypt: (data) => data.toString('utf8'),
};

/** Reversible but visibly not the plaintext: enough to see what reaches the disk. */
export const xorCipher: SecretCipher = {
  isAvailable: () => true,
  encrypt: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((byte) => byte ^ 0x5a)),
  decrypt: (data) => Buffer.from(data.map((byte) => byte ^ 0x5a)).toString('utf8'),
};
