/**
 * The two port-control protocols as one shape: ask for (or renew, or delete) a mapping of one
 * internal port before a deadline, and say plainly how the router answered. Answers that do not
 * belong to the request (another nonce, port or protocol) are ignored, not taken as a refusal.
 */
import { randomBytes } from 'node:crypto';
import type { TransportAddress } from '../../../src-shared/domain.js';
import {
  decodeNatPmpAddressResponse,
  decodeNatPmpError,
  decodeNatPmpMapResponse,
  encodeNatPmpAddressRequest,
  encodeNatPmpMapRequest,
  natPmpResultWords,
} from './nat-pmp-codec.js';
import {
  decodePcpMapResponse,
  encodePcpMapRequest,
  isForeignVersion,
  PCP_RESULT,
  PCP_VERSION,
  pcpResultWords,
} from './pcp-codec.js';
import { exchange } from './port-control-exchange.js';
import type { MappedProtocol } from './wire-values.js';

export type PortMappingMethod = 'pcp' | 'nat-pmp';

export interface MethodGrant {
  external: TransportAddress;
  lifetimeSeconds: number;
}

export type MethodOutcome =
  | { kind: 'granted'; grant: MethodGrant }
  | { kind: 'refused'; words: string }
  /** The router speaks another protocol or version: the next method may work. */
  | { kind: 'unsupported' }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; detail: string };

export interface MappingTarget {
  gateway: string;
  serverPort: number;
  protocol: MappedProtocol;
  internalPort: number;
}

export interface MappingMethodDriver {
  readonly method: PortMappingMethod;
  /** Lifetime 0 deletes; `suggested` asks for the external address and port held before. */
  map(
    lifetimeSeconds: number,
    suggested: TransportAddress | null,
    deadline: number,
  ): Promise<MethodOutcome>;
}

export function createMethodDriver(
  method: PortMappingMethod,
  target: MappingTarget,
): MappingMethodDriver {
  return method === 'pcp' ? new PcpDriver(target) : new NatPmpDriver(target);
}

type Answer = { kind: 'unsupported' } | { kind: 'refused'; words: string };

class PcpDriver implements MappingMethodDriver {
  readonly method = 'pcp';
  /** One nonce for the mapping's whole life: renewals and deletion must repeat it (§11.1). */
  private readonly nonce = randomBytes(12);

  constructor(private readonly target: MappingTarget) {}

  async map(
    lifetimeSeconds: number,
    suggested: TransportAddress | null,
    deadline: number,
  ): Promise<MethodOutcome> {
    const { target, nonce } = this;
    const outcome = await exchange<Answer | { kind: 'granted'; grant: MethodGrant }>({
      gateway: target.gateway,
      port: target.serverPort,
      deadline,
      request: (clientAddress) =>
        encodePcpMapRequest({
          nonce,
          protocol: target.protocol,
          clientAddress,
          internalPort: target.internalPort,
          lifetimeSeconds,
          suggestedExternalPort: suggested?.port ?? 0,
          suggestedExternalAddress: suggested?.address ?? '0.0.0.0',
        }),
      accept: (datagram) => {
        const decoded = decodePcpMapResponse(datagram);
        // A NAT-PMP server answers a PCP request in its own version 0 format (RFC 6887 §9).
        if (isForeignVersion(decoded)) {
          return decoded.version < PCP_VERSION ? { kind: 'unsupported' } : undefined;
        }
        if (!decoded.ok) return undefined;
        const answer = decoded.value;
        if (!answer.nonce.equals(nonce)) return undefined;
        if (answer.protocol !== target.protocol || answer.internalPort !== target.internalPort) {
          return undefined;
        }
        if (answer.resultCode === PCP_RESULT.unsupportedVersion) return { kind: 'unsupported' };
        if (answer.resultCode !== PCP_RESULT.success) {
          return { kind: 'refused', words: pcpResultWords(answer.resultCode) };
        }
        return {
          kind: 'granted',
          grant: {
            external: { address: answer.externalAddress, port: answer.externalPort },
            lifetimeSeconds: answer.lifetimeSeconds,
          },
        };
      },
    });
    return outcome.kind === 'answer' ? outcome.value : outcome;
  }
}

class NatPmpDriver implements MappingMethodDriver {
  readonly method = 'nat-pmp';

  constructor(private readonly target: MappingTarget) {}

  async map(
    lifetimeSeconds: number,
    suggested: TransportAddress | null,
    deadline: number,
  ): Promise<MethodOutcome> {
    const { target } = this;
    const mapped = await exchange<Answer | { kind: 'mapped'; port: number; lifetime: number }>({
      gateway: target.gateway,
      port: target.serverPort,
      deadline,
      request: () =>
        encodeNatPmpMapRequest({
          protocol: target.protocol,
          internalPort: target.internalPort,
          // §3.4: a deletion carries suggested port 0.
          suggestedExternalPort:
            lifetimeSeconds === 0 ? 0 : (suggested?.port ?? target.internalPort),
          lifetimeSeconds,
        }),
      accept: (datagram) => {
        const refusal = refusalOf(datagram);
        if (refusal !== undefined) return refusal;
        const decoded = decodeNatPmpMapResponse(datagram, target.protocol);
        if (!decoded.ok || decoded.value.internalPort !== target.internalPort) return undefined;
        return {
          kind: 'mapped',
          port: decoded.value.externalPort,
          lifetime: decoded.value.lifetimeSeconds,
        };
      },
    });
    if (mapped.kind !== 'answer') return mapped;
    if (mapped.value.kind !== 'mapped') return mapped.value;
    if (lifetimeSeconds === 0) {
      return { kind: 'granted', grant: { external: { address: '', port: 0 }, lifetimeSeconds: 0 } };
    }
    // NAT-PMP's mapping answer carries no address (§3.3): ask for it separately.
    const address = await exchange<Answer | { kind: 'address'; address: string }>({
      gateway: target.gateway,
      port: target.serverPort,
      deadline,
      request: () => encodeNatPmpAddressRequest(),
      accept: (datagram) => {
        const refusal = refusalOf(datagram);
        if (refusal !== undefined) return refusal;
        const decoded = decodeNatPmpAddressResponse(datagram);
        return decoded.ok ? { kind: 'address', address: decoded.value.externalAddress } : undefined;
      },
    });
    if (address.kind !== 'answer') return address;
    if (address.value.kind !== 'address') return address.value;
    return {
      kind: 'granted',
      grant: {
        external: { address: address.value.address, port: mapped.value.port },
        lifetimeSeconds: mapped.value.lifetime,
      },
    };
  }
}

/** A NAT-PMP error answer, or a PCP-only router's answer to a version 0 request. */
function refusalOf(datagram: Buffer): Answer | undefined {
  if (datagram[0] === PCP_VERSION) return { kind: 'unsupported' };
  const error = decodeNatPmpError(datagram);
  if (!error) return undefined;
  if (error.resultCode === 1) return { kind: 'unsupported' };
  return { kind: 'refused', words: natPmpResultWords(error.resultCode) };
}
