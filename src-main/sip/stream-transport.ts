import type { Socket } from 'node:net';
import { EmitterImpl, TransportState, type Emitter, type Transport } from 'sip.js';
import type { TransportAddress } from '../../src-shared/domain.js';
import { describeError } from '../engine/engine-error.js';
import { ClientTransactionBook } from './client-transactions.js';
import { IncomingRequestScreen } from './incoming-request-screen.js';
import { viewSipMessage } from './sip-message-view.js';
import { DEFAULT_SIP_TIMERS, transactionTimeout } from './sip-timers.js';
import type { StreamConnector, StreamKind } from './stream-connection.js';
import { StreamFramer, StreamFramingError, type StreamItem } from './stream-framer.js';
import type { UdpTransportOptions } from './udp-transport.js';

export interface StreamTransportOptions extends Pick<
  UdpTransportOptions,
  | 'server'
  | 'timers'
  | 'localUser'
  | 'inviteAdmission'
  | 'onTrace'
  | 'onViaReceived'
  | 'onClientTransactionEnd'
  | 'busy'
  | 'redirect'
  | 'onBusyRefusal'
  | 'onMessageSummary'
> {
  kind: StreamKind;
  /** Opens the one connection to the registrar (again, after it dropped). */
  connect: StreamConnector;
  /**
   * Milliseconds between RFC 5626 CRLF keepalive pings; 0 sends none. Below the common TCP NAT
   * idle timeouts, or the router forgets the connection and incoming calls stop arriving.
   */
  keepaliveMs: number;
  /** A pong not back this long after a ping means the connection is dead (RFC 5626 §4.4.1). */
  pongTimeoutMs?: number;
  reconnect?: Partial<BackoffOptions>;
  /**
   * The connection is up: first (`again` false) or after a drop, when the registrar no longer
   * knows where to send our incoming calls and the account must register again.
   */
  onConnected?: (local: TransportAddress, again: boolean) => void;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Spreads many phones' reconnections after a server restart; 0..1, Math.random by default. */
  random: () => number;
}

/** The delays between reconnection attempts: doubling from `initialMs` up to `maxMs`, ±20 %. */
export class ReconnectBackoff {
  private attempt = 0;
  private readonly options: BackoffOptions;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.options = { initialMs: 250, maxMs: 30_000, random: Math.random, ...options };
  }

  next(): number {
    const base = Math.min(this.options.initialMs * 2 ** this.attempt, this.options.maxMs);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(base * (0.8 + 0.4 * this.options.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** A message stopped halfway this long is a stream out of step (a Content-Length too long). */
const STALLED_MESSAGE_MS = 32_000;
const PING = '\r\n\r\n';
const PONG = '\r\n';

/**
 * sip.js `Transport` over one TCP or TLS connection to the registrar, which carries our requests,
 * their responses, the server's requests (incoming calls) and our responses to them: over a
 * stream every request arrives from the server, on the connection we opened, which is what keeps
 * incoming calls reachable behind NAT. Messages are framed by Content-Length
 * ({@link StreamFramer}); nothing is retransmitted, the transport being reliable (RFC 3261
 * §17.1.1.2: Timers A and E are for unreliable transports only).
 *
 * A dropped connection is opened again with backoff, and `onConnected` tells the account to
 * register again from the new connection. RFC 5626 CRLF keepalives hold the router's TCP state;
 * once the server has answered a ping, a missing pong ends the connection too.
 */
export class StreamTransport implements Transport {
  readonly protocol: 'TCP' | 'TLS';
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;

  /** Messages dropped: unparsable responses, requests the screen drops. */
  droppedMessages = 0;
  /** Requests refused before sip.js saw them (malformed, or INVITEs beyond what may ring). */
  refusedRequests = 0;
  /** Connections opened again after a drop. */
  reconnections = 0;

  private readonly stateEmitter = new EmitterImpl<TransportState>();
  private transportState = TransportState.Disconnected;
  private readonly screen: IncomingRequestScreen;
  private readonly clientTransactions: ClientTransactionBook;
  private readonly backoff: ReconnectBackoff;
  private socket: Socket | null = null;
  private framer = new StreamFramer();
  private stopping = false;
  private everConnected = false;
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private stallTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Whether this connection's server answers pings: only then does a missing pong count. */
  private answersPings = false;

  // sip.js constructs transports as `new transportConstructor(logger, transportOptions)`.
  constructor(
    _logger: unknown,
    private readonly options: StreamTransportOptions,
  ) {
    this.protocol = options.kind === 'tls' ? 'TLS' : 'TCP';
    const timers = { ...DEFAULT_SIP_TIMERS, ...options.timers };
    this.clientTransactions = new ClientTransactionBook(transactionTimeout(timers), options);
    this.screen = new IncomingRequestScreen({
      transactionMs: transactionTimeout(timers),
      viaTransport: this.protocol,
      ...(options.localUser === undefined ? {} : { user: options.localUser }),
      ...(options.inviteAdmission ? { admission: options.inviteAdmission } : {}),
      ...(options.busy ? { busy: options.busy } : {}),
      ...(options.redirect ? { redirect: options.redirect } : {}),
    });
    this.backoff = new ReconnectBackoff(options.reconnect);
  }

  get state(): TransportState {
    return this.transportState;
  }

  get stateChange(): Emitter<TransportState> {
    return this.stateEmitter;
  }

  get server(): TransportAddress {
    return this.options.server;
  }

  /** The connection's local address and port, while it is up. */
  get localAddress(): TransportAddress | null {
    const socket = this.socket;
    if (!socket?.localAddress || socket.localPort === undefined) return null;
    return { address: socket.localAddress, port: socket.localPort };
  }

  isConnected(): boolean {
    return this.transportState === TransportState.Connected;
  }

  hasClientTransaction(method: string): boolean {
    return this.clientTransactions.has(method);
  }

  /** Opens the connection; a failure (a certificate refused above all) rejects, and is final. */
  async connect(): Promise<void> {
    if (this.socket || this.stopping) return;
    this.transition(TransportState.Connecting);
    let socket: Socket;
    try {
      socket = await this.options.connect();
    } catch (error) {
      this.transition(TransportState.Disconnected);
      throw error;
    }
    this.adopt(socket);
  }

  /** Ends the connection at once and opens another: the one we have is on a network now gone. */
  reconnectNow(why: string): void {
    if (!this.socket || this.stopping) return;
    this.drop(why);
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopTimers();
    const socket = this.socket;
    this.socket = null;
    this.clientTransactions.clear();
    if (socket) {
      this.transition(TransportState.Disconnecting);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.destroy();
          resolve();
        }, 500);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.end();
      });
    }
    this.transition(TransportState.Disconnected);
  }

  async dispose(): Promise<void> {
    await this.disconnect();
    this.stateEmitter.removeAllListeners();
  }

  async send(message: string): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.isConnected()) {
      throw new Error('the SIP connection is down (reconnecting)');
    }
    const view = viewSipMessage(message);
    if (view?.kind === 'response') this.screen.observeResponse(view);
    const wire = view?.kind === 'response' ? this.screen.restoreResponse(message) : message;
    await this.write(socket, wire);
    this.options.onTrace?.('out', wire, this.options.server);
    if (view) this.clientTransactions.track(view, this.options.server);
  }

  private write(socket: Socket, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      socket.write(text, 'utf8', (error) => (error ? reject(error) : resolve()));
    });
  }

  private adopt(socket: Socket): void {
    this.socket = socket;
    this.framer = new StreamFramer();
    this.answersPings = false;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(socket, chunk));
    socket.on('error', (error) => {
      if (socket === this.socket) this.options.log?.('warn', `SIP connection: ${error.message}`);
    });
    socket.on('close', () => {
      if (socket === this.socket) this.lost('the server closed the SIP connection');
    });
    const again = this.everConnected;
    this.everConnected = true;
    this.backoff.reset();
    this.startKeepalive();
    this.transition(TransportState.Connected);
    const local = this.localAddress;
    if (local) this.options.onConnected?.(local, again);
  }

  private receive(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    let items: StreamItem[];
    try {
      items = this.framer.push(chunk);
    } catch (error) {
      if (!(error instanceof StreamFramingError)) throw error;
      this.drop(`dropping the SIP connection: ${error.message}`);
      return;
    }
    this.watchForStall();
    for (const item of items) {
      if (item.kind === 'ping') {
        socket.write(PONG);
      } else if (item.kind === 'pong') {
        this.answersPings = true;
        if (this.pongTimer) clearTimeout(this.pongTimer);
        this.pongTimer = null;
      } else {
        this.receiveContained(socket, item.text, item.bytes);
      }
      if (socket !== this.socket) return;
    }
  }

  /**
   * One message, whatever becomes of it: a throw out of sip.js's handling of a hostile message
   * would otherwise escape the socket's data listener and end the process, and skip the messages
   * framed after it. The datagram path has the same guard (UdpEndpoint's dispatch).
   */
  private receiveContained(socket: Socket, text: string, bytes: number): void {
    try {
      this.receiveMessage(socket, text, bytes);
    } catch (error) {
      this.droppedMessages++;
      const reason = error instanceof Error ? error.message : String(error);
      this.options.log?.('warn', `SIP message dropped: handling it failed (${reason})`);
    }
  }

  private receiveMessage(socket: Socket, text: string, bytes: number): void {
    const from = this.options.server;
    this.options.onTrace?.('in', text, from);
    if (/^SIP\//i.test(text)) {
      const view = viewSipMessage(text);
      if (view?.kind !== 'response') {
        this.droppedMessages++;
        return;
      }
      this.clientTransactions.observeResponse(view, from);
      this.onMessage?.(text);
      return;
    }
    const screened = this.screen.screen(text, bytes);
    if (screened.action === 'drop') {
      this.droppedMessages++;
      return;
    }
    if (screened.messageSummary !== undefined) {
      this.options.onMessageSummary?.(screened.messageSummary, from);
    }
    if (screened.action === 'answer') {
      if (screened.messageSummary === undefined) this.refusedRequests++;
      this.write(socket, screened.response)
        .then(() => this.options.onTrace?.('out', screened.response, from))
        .catch(() => undefined);
      if (screened.busyRefusal) this.options.onBusyRefusal?.(screened.busyRefusal);
      return;
    }
    this.onMessage?.(screened.text);
  }

  /** A message that never completes means a Content-Length longer than what was sent. */
  private watchForStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    if (this.framer.pendingBytes === 0) return;
    this.stallTimer = setTimeout(
      () => this.drop('dropping the SIP connection: a message stopped halfway'),
      STALLED_MESSAGE_MS,
    );
    this.stallTimer.unref?.();
  }

  private startKeepalive(): void {
    const interval = this.options.keepaliveMs;
    if (interval <= 0) return;
    this.keepaliveTimer = setInterval(() => this.ping(), interval);
    this.keepaliveTimer.unref?.();
  }

  private ping(): void {
    const socket = this.socket;
    if (!socket || !this.isConnected()) return;
    socket.write(PING);
    // A server that never answered a ping may not know RFC 5626: its silence says nothing.
    if (!this.answersPings || this.pongTimer) return;
    this.pongTimer = setTimeout(
      () => this.drop('dropping the SIP connection: the server stopped answering keepalives'),
      this.options.pongTimeoutMs ?? 10_000,
    );
    this.pongTimer.unref?.();
  }

  private stopTimers(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.keepaliveTimer = null;
    this.pongTimer = null;
    this.stallTimer = null;
  }

  /** Ends the connection we have (a fault on it) and opens another. */
  private drop(why: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.lost(why);
    socket.destroy();
  }

  private lost(why: string): void {
    this.socket = null;
    this.stopTimers();
    if (this.stopping) return;
    this.options.log?.('warn', `${why}; connecting again`);
    this.transition(TransportState.Connecting);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const delayMs = this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopping) return;
      this.options
        .connect()
        .then((socket) => {
          if (this.stopping) {
            socket.destroy();
            return;
          }
          this.reconnections++;
          this.options.log?.('info', 'SIP connection open again');
          this.adopt(socket);
        })
        .catch((error: unknown) => {
          this.options.log?.('warn', `reconnecting: ${describeError(error)}`);
          this.scheduleReconnect();
        });
    }, delayMs);
  }

  private transition(next: TransportState): void {
    const previous = this.transportState;
    if (previous === next) return;
    this.transportState = next;
    this.stateEmitter.emit(next);
    if (next === TransportState.Connected) this.onConnect?.();
    if (next === TransportState.Disconnected && previous !== TransportState.Connecting) {
      this.onDisconnect?.();
    }
  }
}
