import type { Transport } from 'sip.js';
import type { TransportAddress } from '../../src-shared/domain.js';
import { readCaFile, streamConnector, type StreamKind } from '../sip/stream-connection.js';
import { StreamTransport } from '../sip/stream-transport.js';
import { UdpTransport, type UdpTransportOptions } from '../sip/udp-transport.js';
import type { EngineOptions } from './engine-options.js';

/** What carries an account's SIP: datagrams on the SIP socket, or one TCP/TLS connection. */
export type SignallingTransport = UdpTransport | StreamTransport;

/**
 * Seconds between CRLF keepalives on a TCP/TLS connection: the user's keepalive setting (0: off)
 * or 25 s, below the 30–60 s some routers give an idle TCP connection (the UDP binding lifetime
 * the UDP keepalive follows says nothing about TCP).
 */
export function streamKeepaliveSeconds(options: EngineOptions): number {
  return options.keepaliveSeconds ?? 25;
}

export interface StreamAccountHooks {
  /** The host the user typed, which a TLS certificate must name. */
  serverName: string;
  /** The connection is up, first or again after a drop (then the account registers again). */
  onConnected(local: TransportAddress, again: boolean): void;
  log(level: 'info' | 'warn', message: string): void;
}

/**
 * The transport class sip.js constructs for an account, chosen by the engine's `sipTransport`;
 * `created` receives the instance. The stream connector is made here, so a CA file that cannot
 * be read fails before anything is sent.
 */
export function signallingTransportClass(
  options: EngineOptions,
  common: UdpTransportOptions,
  stream: StreamAccountHooks,
  created: (transport: SignallingTransport) => void,
): new (logger: unknown) => Transport {
  const kind = options.sipTransport;
  if (kind === 'udp') {
    return class extends UdpTransport {
      constructor(logger: unknown) {
        super(logger, common);
        created(this);
      }
    };
  }
  const streamKind: StreamKind = kind;
  const extraCa = kind === 'tls' && options.tlsCaFile ? readCaFile(options.tlsCaFile) : null;
  const connect = streamConnector({
    kind,
    server: common.server,
    serverName: stream.serverName,
    extraCa,
    ...(options.localAddress === '0.0.0.0' ? {} : { localAddress: options.localAddress }),
  });
  const { endpoint: _endpoint, acceptSipFromServerOnly: _server, ...shared } = common;
  return class extends StreamTransport {
    constructor(logger: unknown) {
      super(logger, {
        ...shared,
        kind: streamKind,
        connect,
        keepaliveMs: streamKeepaliveSeconds(options) * 1000,
        onConnected: (local, again) => stream.onConnected(local, again),
        log: (level, message) => stream.log(level, message),
      });
      created(this);
    }
  };
}
