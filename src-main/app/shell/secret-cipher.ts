/**
 * Electron's `safeStorage` as the settings store's {@link SecretCipher}. It counts as available
 * only where it really encrypts: on Linux without a keyring (no libsecret or kwallet) Electron
 * falls back to the `basic_text` backend, which "encrypts" with a key hardcoded in Chromium, and
 * `isEncryptionAvailable()` still says yes. A password is not written there at all.
 */
import type { SecretCipher } from '../../storage/settings-store.js';
import type { ElectronPorts } from './electron-ports.js';

export function safeStorageCipher(
  safeStorage: ElectronPorts['safeStorage'],
  platform: NodeJS.Platform,
): SecretCipher {
  return {
    isAvailable: () =>
      safeStorage.isEncryptionAvailable() &&
      !(platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text'),
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (cipher) => safeStorage.decryptString(cipher),
  };
}
