import { EmitterImpl, TransportState, type Emitter, type Transport } from 'sip.js';
import type { TransportAddress } from '../../src-shared/domain.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';
import {
  ClientTransactionBook,
  type ClientTransactionHooks,
  type ViaReceivedResponse,
} from './client-transactions.js';
import type { CallRedirect } from './call-redirect.js';
import { IncomingRequestScreen, type BusyRefusal } from './incoming-request-screen.js';
import type { InviteAdmissionOptions } from './invite-admission.js';
import { viewSipMessage, type SipMessageView } from './sip-message-view.js';
import { DEFAULT_SIP_TIMERS, transactionTimeout, type SipTimers } from './sip-timers.js';

export type { ViaReceivedResponse };

export interface UdpTransportOptions extends ClientTransactionHooks {
  /** The SIP socket (it also carries STUN for its own mapping). */
  endpoint: Pick<UdpEndpoint, 'on' | 'onClose' | 'send' | 'isClosed'> &
    Partial<Pick<UdpEndpoint, 'post'>>;
  /** Where requests go: the registrar, used as outbound proxy. */
  server: TransportAddress;
  timers?: Partial<SipTimers>;
  /**
   * Accept requests (and responses) only from the server's IP address. Behind a cone NAT anyone
   * can reach the mapped port, and SIP scanners ring phones with "ghost calls"; a voip.ms account
   * only ever receives requests from its server, and sends its own requests nowhere else.
   */
  acceptSipFromServerOnly?: boolean;
  /** The user our Request-URIs name (the account's): another is refused with 404. */
  localUser?: string;
  /** How many new calls may ring, per caller and in all (tests shrink the window). */
  inviteAdmission?: InviteAdmissionOptions;
  /** Why a new call would be refused 486 now, or null (see IncomingRequestScreenOptions). */
  busy?: () => string | null;
  /** Where a new call is sent instead (302) before sip.js sees it, or null. */
  redirect?: () => CallRedirect | null;
  /** A new call was refused 486 by {@link busy} (or sent on by {@link redirect}), before sip.js saw it. */
  onBusyRefusal?: (refusal: BusyRefusal) => void;
  /**
   * A message-summary NOTIFY arrived (in or out of a dialog) from `from`: its body, unread. The
   * transport answers the unsolicited ones; whether to believe it is the receiver's to judge.
   */
  onMessageSummary?: (body: string, from: TransportAddress) => void;
  /** Observes every message on the wire, for the SIP trace and tests. */
  onTrace?: (direction: 'out' | 'in', message: string, peer: TransportAddress) => void;
}

interface PendingRetransmission {
  message: string;
  destination: TransportAddress;
  interval: number;
  timer: ReturnType<typeof setTimeout>;
  deadline: ReturnType<typeof setTimeout>;
  /** INVITE requests double without a cap (Timer A); others cap at T2 (Timers E and G). */
  capped: boolean;
}

/**
 * sip.js `Transport` over one UDP socket, supplying what sip.js 0.21 leaves out for unreliable
 * transports (FIXMEs in its core/transactions): request retransmission by Timer A (INVITE) and
 * Timer E (non-INVITE), and retransmission of non-2xx final responses to INVITE by Timer G, per
 * RFC 3261 §17.1.1.2, §17.1.2.2 and §17.2.1. Retransmission stops on the matching response (or
 * ACK) and after 64·T1, when sip.js's own Timers B, F and H end the transaction. Duplicates are
 * absorbed by sip.js's transactions, which this transport feeds unchanged.
 *
 * Responses to incoming requests go where RFC 3261 §18.2.2 and RFC 3581 §4 say: the Via
 * `received`/`rport` address of the request.
 */
export class UdpTransport implements Transport {
  readonly protocol = 'UDP';
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;

  /** Datagrams dropped: unparsable, or messages from an address other than the server. */
  droppedMessages = 0;
  /** Requests refused before sip.js saw them (malformed, or INVITEs beyond what may ring). */
  refusedRequests = 0;

  private readonly timers: SipTimers;
  private readonly stateEmitter = new EmitterImpl<TransportState>();
  private transportState = TransportState.Disconnected;
  /** Keyed by `branch` + request method (client side) or `branch` + `INVITE` (Timer G). */
  private readonly pending = new Map<string, PendingRetransmission>();
  /** Our requests awaiting a final response; each ends on one or by Timer F/B. */
  private readonly clientTransactions: ClientTransactionBook;
  private readonly detach: Array<() => void> = [];
  private readonly screen: IncomingRequestScreen;

  // sip.js constructs transports as `new transportConstructor(logger, transportOptions)`.
  constructor(
    _logger: unknown,
    private options: UdpTransportOptions,
  ) {
    this.timers = { ...DEFAULT_SIP_TIMERS, ...options.timers };
    this.clientTransactions = new ClientTransactionBook(transactionTimeout(this.timers), {
      onViaReceived: (seen, response) => this.options.onViaReceived?.(seen, response),
      onClientTransactionEnd: (method) => this.options.onClientTransactionEnd?.(method),
    });
    this.screen = new IncomingRequestScreen({
      transactionMs: transactionTimeout(this.timers),
      ...(options.localUser === undefined ? {} : { user: options.localUser }),
      ...(options.inviteAdmission ? { admission: options.inviteAdmission } : {}),
      ...(options.busy ? { busy: options.busy } : {}),
      ...(options.redirect ? { redirect: options.redirect } : {}),
    });
    this.attach(options.endpoint);
  }

  private attach(endpoint: UdpTransportOptions['endpoint']): void {
    this.detach.push(endpoint.on('sip', (datagram, from) => this.receive(datagram, from)));
    this.detach.push(
      endpoint.onClose(() => {
        if (this.transportState === TransportState.Connected) {
          this.transition(TransportState.Disconnected, new Error('SIP socket closed'));
        }
      }),
    );
  }

  /**
   * Carries SIP over another socket from now on, keeping transactions and their
   * retransmissions: the old socket's local address is gone (a network change).
   */
  useEndpoint(endpoint: UdpTransportOptions['endpoint']): void {
    for (const undo of this.detach.splice(0)) undo();
    this.options = { ...this.options, endpoint };
    this.attach(endpoint);
  }

  get state(): TransportState {
    return this.transportState;
  }

  get stateChange(): Emitter<TransportState> {
    return this.stateEmitter;
  }

  /** The server address requests go to; changes when the user picks another server. */
  get server(): TransportAddress {
    return this.options.server;
  }

  /** Number of messages currently being retransmitted (for tests and diagnostics). */
  get pendingRetransmissions(): number {
    return this.pending.size;
  }

  /** True while a request of `method` we sent awaits its final response. */
  hasClientTransaction(method: string): boolean {
    return this.clientTransactions.has(method);
  }

  isConnected(): boolean {
    return this.transportState === TransportState.Connected;
  }

  connect(): Promise<void> {
    if (this.options.endpoint.isClosed) {
      return Promise.reject(new Error('SIP socket is closed'));
    }
    if (this.transportState !== TransportState.Connected) {
      this.transition(TransportState.Connecting);
      this.transition(TransportState.Connected);
    }
    return Promise.resolve();
  }

  disconnect(): Promise<void> {
    if (this.transportState === TransportState.Connected) {
      this.transition(TransportState.Disconnecting);
      this.stopAllRetransmissions();
      this.clientTransactions.clear();
      this.transition(TransportState.Disconnected);
    }
    return Promise.resolve();
  }

  async dispose(): Promise<void> {
    await this.disconnect();
    for (const undo of this.detach.splice(0)) undo();
    this.stateEmitter.removeAllListeners();
  }

  async send(message: string): Promise<void> {
    if (!this.isConnected()) throw new Error('SIP transport is not connected');
    const view = viewSipMessage(message);
    const destination = view ? this.destinationFor(view) : this.options.server;
    if (view?.kind === 'response') this.screen.observeResponse(view);
    const wire = view?.kind === 'response' ? this.screen.restoreResponse(message) : message;
    await this.transmit(wire, destination);
    if (view) {
      this.clientTransactions.track(view, destination);
      this.scheduleRetransmission(view, wire, destination);
    }
  }

  private destinationFor(view: SipMessageView): TransportAddress {
    if (view.kind === 'request') return this.options.server;
    const { via } = view;
    return {
      address: via.received ?? via.host,
      port: via.rport ?? via.port ?? 5060,
    };
  }

  private scheduleRetransmission(
    view: SipMessageView,
    message: string,
    destination: TransportAddress,
  ): void {
    let capped: boolean;
    if (view.kind === 'request') {
      if (view.method === 'ACK') return;
      capped = view.method !== 'INVITE';
    } else {
      // Only non-2xx final responses to INVITE wait for an ACK (Timer G); sip.js retransmits
      // 2xx itself (RFC 3261 §13.3.1.4), and other responses are resent on request retransmits.
      if (view.method !== 'INVITE' || view.statusCode < 300) return;
      capped = true;
    }
    const key = retransmissionKey(view.kind, view.branch, view.method);
    this.stopRetransmission(key);
    const entry: PendingRetransmission = {
      message,
      destination,
      interval: this.timers.t1,
      capped,
      timer: setTimeout(() => this.retransmit(key), this.timers.t1),
      deadline: setTimeout(() => this.stopRetransmission(key), transactionTimeout(this.timers)),
    };
    this.pending.set(key, entry);
  }

  private retransmit(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.transmit(entry.message, entry.destination).catch(() => {
      // A failed retransmission is like a lost datagram: the next one or the timeout follows.
    });
    entry.interval = entry.capped
      ? Math.min(entry.interval * 2, this.timers.t2)
      : entry.interval * 2;
    entry.timer = setTimeout(() => this.retransmit(key), entry.interval);
  }

  private stopRetransmission(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    clearTimeout(entry.deadline);
    this.pending.delete(key);
  }

  private stopAllRetransmissions(): void {
    for (const key of [...this.pending.keys()]) this.stopRetransmission(key);
  }

  private async transmit(message: string, destination: TransportAddress): Promise<void> {
    await this.options.endpoint.send(message, destination);
    this.options.onTrace?.('out', message, destination);
  }

  private receive(datagram: Buffer, from: TransportAddress): void {
    // CRLF keepalives (RFC 5626 §3.5.1) carry no message; CRLFs before one are ignored (§7.5).
    const start = messageStart(datagram);
    if (start === datagram.length) return;
    // A stranger's message is dropped on its source alone: decoding it first would cost a flood
    // of scanners' (often oversized) datagrams a string each, and a response a parse by sip.js's
    // grammar (milliseconds for a broken one). Our requests all go to the server, so it is the
    // one source of the responses we await.
    if (!this.acceptsMessagesFrom(from)) {
      this.droppedMessages++;
      return;
    }
    if (!startsWithSipVersion(datagram, start)) {
      this.receiveRequest(datagram.toString('utf8', start), datagram.length, from);
      return;
    }
    const text = datagram.toString('utf8', start);
    const view = viewSipMessage(text);
    if (view?.kind !== 'response') {
      this.droppedMessages++;
      return;
    }
    this.options.onTrace?.('in', text, from);
    this.onResponse(view, from);
    this.onMessage?.(text);
  }

  private acceptsMessagesFrom(from: TransportAddress): boolean {
    return (
      this.options.acceptSipFromServerOnly === false || from.address === this.options.server.address
    );
  }

  private receiveRequest(text: string, bytes: number, from: TransportAddress): void {
    this.options.onTrace?.('in', text, from);
    const screened = this.screen.screen(text, bytes);
    if (screened.action === 'drop') {
      this.droppedMessages++;
      return;
    }
    if (screened.action === 'answer') {
      // Answered where it came from (RFC 3581 §4), without a transaction: a retransmission of
      // the request is refused again just as cheaply.
      if (screened.messageSummary === undefined) this.refusedRequests++;
      this.answerStatelessly(screened.response, from);
      if (screened.busyRefusal) this.options.onBusyRefusal?.(screened.busyRefusal);
      if (screened.messageSummary !== undefined) {
        this.options.onMessageSummary?.(screened.messageSummary, from);
      }
      return;
    }
    if (screened.messageSummary !== undefined) {
      this.options.onMessageSummary?.(screened.messageSummary, from);
    }
    if (screened.view.method === 'ACK') {
      this.stopRetransmission(retransmissionKey('response', screened.view.branch, 'INVITE'));
    }
    this.onMessage?.(screened.text);
  }

  /**
   * Sends a refusal without waiting for the send to complete: no promise and no deferred call
   * per refused request, which a flood brings thousands of a second. Lost like any datagram if
   * the send fails; a retransmission of the request is refused again.
   */
  private answerStatelessly(response: string, to: TransportAddress): void {
    const { endpoint } = this.options;
    if (!endpoint.post) {
      this.transmit(response, to).catch(() => undefined);
      return;
    }
    if (endpoint.post(Buffer.from(response), to)) this.options.onTrace?.('out', response, to);
  }

  private onResponse(view: SipMessageView, from: TransportAddress): void {
    const key = retransmissionKey('request', view.branch, view.method);
    const entry = this.pending.get(key);
    if (entry) {
      const provisional = view.statusCode < 200;
      if (provisional && entry.capped) {
        // RFC 3261 §17.1.2.2: a provisional response to a non-INVITE moves retransmissions to T2.
        entry.interval = this.timers.t2;
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => this.retransmit(key), entry.interval);
      } else {
        this.stopRetransmission(key);
      }
    }
    this.clientTransactions.observeResponse(view, from);
  }

  private transition(next: TransportState, error?: Error): void {
    const previous = this.transportState;
    if (previous === next) return;
    this.transportState = next;
    this.stateEmitter.emit(next);
    if (next === TransportState.Connected) this.onConnect?.();
    if (next === TransportState.Disconnected && previous !== TransportState.Connecting) {
      this.onDisconnect?.(error);
    }
  }
}

function retransmissionKey(kind: 'request' | 'response', branch: string, method: string): string {
  return `${kind} ${branch} ${method}`;
}

const CR = 0x0d;
const LF = 0x0a;
/** "SIP/", case-insensitively: the start of a status line (RFC 3261 §7.2). */
const SIP_VERSION_PREFIX = [0x53, 0x49, 0x50, 0x2f];

/** Offset of the first byte after any leading CRs and LFs. */
function messageStart(datagram: Buffer): number {
  let start = 0;
  while (start < datagram.length && (datagram[start] === CR || datagram[start] === LF)) start++;
  return start;
}

function startsWithSipVersion(datagram: Buffer, start: number): boolean {
  if (datagram.length - start < SIP_VERSION_PREFIX.length) return false;
  return SIP_VERSION_PREFIX.every((expected, i) => {
    const byte = datagram[start + i] ?? 0;
    // ASCII letters compare case-insensitively by their 0x20 bit; '/' must match exactly.
    return expected === 0x2f ? byte === expected : (byte & ~0x20) === expected;
  });
}
