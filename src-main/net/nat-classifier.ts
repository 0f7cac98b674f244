import type { NatType, TransportAddress } from '../../src-shared/domain.js';

export interface ClassifierAnswer {
  serverAddress: TransportAddress;
  mapped: TransportAddress | null;
}

/**
 * Mapping behaviour (RFC 4787 §4.1) from one socket's answers: no answer → `blocked`; a mapping
 * equal to the local address → `open`; two servers at different IP addresses giving the same
 * mapping → `cone` (endpoint-independent), different mappings → `symmetric`; else `unknown`.
 */
export function classifyNat(local: TransportAddress, answers: ClassifierAnswer[]): NatType {
  const answered = answers.filter(
    (answer): answer is { serverAddress: TransportAddress; mapped: TransportAddress } =>
      answer.mapped !== null,
  );
  if (answered.length === 0) return 'blocked';
  if (
    answered.some(({ mapped }) => mapped.address === local.address && mapped.port === local.port)
  ) {
    return 'open';
  }
  const first = answered[0];
  const other = answered.find(
    ({ serverAddress }) => serverAddress.address !== first?.serverAddress.address,
  );
  if (!first || !other) return 'unknown';
  const same =
    first.mapped.address === other.mapped.address && first.mapped.port === other.mapped.port;
  return same ? 'cone' : 'symmetric';
}
