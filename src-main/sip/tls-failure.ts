import { EngineFailure } from '../engine/engine-error.js';

/** Which check of the server's certificate failed, as a stable code. */
export type TlsFailureCode =
  | 'tls-expired'
  | 'tls-not-yet-valid'
  | 'tls-wrong-name'
  | 'tls-unknown-issuer'
  | 'tls-revoked'
  | 'tls-failed';

/** OpenSSL's verification codes (as Node reports them in `error.code`) by the check they fail. */
const CHECKS: ReadonlyArray<{ codes: readonly string[]; code: TlsFailureCode }> = [
  { codes: ['CERT_HAS_EXPIRED'], code: 'tls-expired' },
  { codes: ['CERT_NOT_YET_VALID'], code: 'tls-not-yet-valid' },
  { codes: ['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH'], code: 'tls-wrong-name' },
  {
    codes: [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ],
    code: 'tls-unknown-issuer',
  },
  { codes: ['CERT_REVOKED'], code: 'tls-revoked' },
];

/** True when `error` is the server's certificate failing a check (not a network fault). */
export function isCertificateFailure(error: unknown): boolean {
  return tlsFailureCode(error) !== 'tls-failed';
}

function tlsFailureCode(error: unknown): TlsFailureCode {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'tls-failed';
  return CHECKS.find((check) => check.codes.includes(code))?.code ?? 'tls-failed';
}

/**
 * The plain sentence for a TLS connection to `serverName` that failed, naming the check of the
 * server's certificate that failed. Nothing here suggests turning verification off: the phone
 * never offers that, and never retries in clear text.
 */
export function describeTlsFailure(error: unknown, serverName: string): EngineFailure {
  const code = tlsFailureCode(error);
  const start = `TLS to ${serverName} refused: the server's certificate`;
  switch (code) {
    case 'tls-expired':
      return new EngineFailure(code, `${start} has expired`);
    case 'tls-not-yet-valid':
      return new EngineFailure(code, `${start} is not valid yet (is this computer's clock right?)`);
    case 'tls-wrong-name':
      return new EngineFailure(
        code,
        `${start} is for another name, not ${serverName} (wrong name)`,
      );
    case 'tls-unknown-issuer':
      return new EngineFailure(
        code,
        `${start} comes from an unknown issuer, not one this computer trusts (add its CA with --ca FILE for a private server)`,
      );
    case 'tls-revoked':
      return new EngineFailure(code, `${start} has been revoked`);
    default: {
      const detail = error instanceof Error ? error.message : String(error);
      return new EngineFailure(code, `TLS to ${serverName} failed: ${detail}`);
    }
  }
}
