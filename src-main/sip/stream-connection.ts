import { readFileSync } from 'node:fs';
import { isIP, connect as connectTcp, type Socket } from 'node:net';
import {
  connect as connectTls,
  createSecureContext,
  rootCertificates,
  type SecureContext,
} from 'node:tls';
import type { TransportAddress } from '../../src-shared/domain.js';
import { describeError, EngineFailure } from '../engine/engine-error.js';
import { describeTlsFailure, isCertificateFailure } from './tls-failure.js';

export type StreamKind = 'tcp' | 'tls';

export interface StreamConnectionOptions {
  kind: StreamKind;
  /** The registrar's resolved address. */
  server: TransportAddress;
  /** The host name the user typed (e.g. atlanta1.voip.ms): what the certificate must name. */
  serverName: string;
  /** Extra CA certificates (PEM) trusted besides the system's; never instead of a check. */
  extraCa?: string | null;
  /** The local address to connect from; the system picks by default. */
  localAddress?: string;
  /** A connection not up (TLS: verified) in this long fails. */
  timeoutMs?: number;
}

/** Opens a connection to the registrar; resolves once it is up and, for TLS, verified. */
export type StreamConnector = () => Promise<Socket>;

/** Reads the CA file the user gave (PEM); a plain sentence if it cannot be read or is not PEM. */
export function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EngineFailure(
      'tls-ca-file',
      `cannot read the CA file ${path}: ${describeError(error)}`,
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new EngineFailure('tls-ca-file', `the CA file ${path} holds no PEM certificate`);
  }
  return text;
}

/**
 * A connector to the registrar over TCP or TLS. TLS checks the server's certificate against the
 * system's trust store (Node's root CAs) plus any extra CA given, and its name against the host
 * the user typed (sent as SNI too); a failed check rejects with a sentence naming the check. No
 * option here accepts an unverified certificate, and nothing falls back to another transport.
 */
export function streamConnector(options: StreamConnectionOptions): StreamConnector {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { server, serverName } = options;
  const secureContext = options.extraCa ? contextTrusting(options.extraCa) : undefined;
  const label = `${serverName}:${server.port} over ${options.kind.toUpperCase()}`;
  return () =>
    new Promise<Socket>((resolve, reject) => {
      const local = options.localAddress ? { localAddress: options.localAddress } : {};
      const socket: Socket =
        options.kind === 'tls'
          ? connectTls({
              host: server.address,
              port: server.port,
              // SNI carries names only; Node checks the certificate against `servername` when
              // given, else against `host`: an address typed as the server is checked as one.
              ...(isIP(serverName) ? {} : { servername: serverName }),
              ...(secureContext ? { secureContext } : {}),
              minVersion: 'TLSv1.2',
              ...local,
            })
          : connectTcp({ host: server.address, port: server.port, ...local });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new EngineFailure('connect-timeout', `cannot reach ${label}: no answer`));
      }, timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        if (options.kind === 'tls' && isCertificateFailure(error)) {
          reject(describeTlsFailure(error, serverName));
          return;
        }
        const code = (error as { code?: string }).code;
        reject(
          new EngineFailure(
            'connect',
            `cannot reach ${label}: ${code === 'ECONNREFUSED' ? 'connection refused' : error.message}`,
          ),
        );
      };
      socket.once('error', fail);
      socket.once(options.kind === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(socket);
      });
    });
}

const contexts = new Map<string, SecureContext>();

/**
 * The system's CAs plus `extraCa`, parsed once: some 140 root certificates take tens of
 * milliseconds to load, which every reconnection would pay again.
 */
function contextTrusting(extraCa: string): SecureContext {
  let context = contexts.get(extraCa);
  if (!context) {
    context = createSecureContext({ ca: [...rootCertificates, extraCa], minVersion: 'TLSv1.2' });
    contexts.set(extraCa, context);
  }
  return context;
}
