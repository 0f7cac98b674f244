/**
 * The words of Settings → Encryption and the checks it makes before saving: the transport and
 * media-encryption choices, the CA file's path, and what a save says it did.
 */
import type { MediaEncryption, SipTransport } from '../../../src-shared/domain.js';
import { registrarAddress } from '../../../src-shared/registrar-address.js';
import { tlsCaFileSchema, type Settings } from '../../../src-shared/settings.js';

export const TRANSPORT_WORDS: Record<SipTransport, string> = {
  udp: 'UDP',
  tcp: 'TCP',
  tls: 'TLS (encrypted)',
};

export const MEDIA_ENCRYPTION_WORDS: Record<MediaEncryption, string> = {
  off: 'Off',
  optional: 'When the other side offers it',
  required: 'Required',
};

export const TLS_EXPLAINED =
  'TLS encrypts calls’ signalling; voip.ms: turn on Encrypted SIP Traffic for the sub-account. Also cures a router that rewrites SIP (SIP ALG).';

/** What the chosen media encryption does, and a word when the keys would cross in clear text. */
export function mediaEncryptionHint(mode: MediaEncryption, transport: SipTransport): string {
  const what: Record<MediaEncryption, string> = {
    off: 'Calls’ audio goes as plain RTP.',
    optional:
      'Natter offers SRTP on every call and uses it when the other side takes it; otherwise the call goes ahead unencrypted, and the call screen says so.',
    required:
      'Calls’ audio is always SRTP: a call the other side cannot encrypt does not go through.',
  };
  const keysInClear =
    mode !== 'off' && transport !== 'tls'
      ? ' Without TLS the audio’s keys travel readable in the signalling: choose TLS as well.'
      : '';
  return what[mode] + keysInClear;
}

export type CaFileCheck = { valid: true; path: string | null } | { valid: false; error: string };

/** The CA file as typed: empty (the system's authorities only) or a file's full path. */
export function checkCaFilePath(typed: string): CaFileCheck {
  const path = typed.trim();
  if (path === '') return { valid: true, path: null };
  const parsed = tlsCaFileSchema.safeParse(path);
  if (parsed.success) return { valid: true, path: parsed.data };
  return {
    valid: false,
    error: `${parsed.error.issues[0]?.message ?? 'not a file path'}.`.replace(/^./, (c) =>
      c.toUpperCase(),
    ),
  };
}

/** Where the phone registers over the chosen transport, e.g. `montreal.voip.ms:5061 over TLS`. */
export function registrarLine(server: string, transport: SipTransport): string {
  return `Registers to ${registrarAddress(server, transport)} over ${transport.toUpperCase()}.`;
}

/** What a save of the section says beside its button. */
export function encryptionSaved(
  settings: Pick<Settings, 'sipTransport' | 'mediaEncryption'>,
): string {
  const audio: Record<MediaEncryption, string> = {
    off: 'audio not encrypted',
    optional: 'audio encrypted when the other side takes it',
    required: 'audio always encrypted',
  };
  return `Saved: SIP over ${settings.sipTransport.toUpperCase()}, ${audio[settings.mediaEncryption]}`;
}
