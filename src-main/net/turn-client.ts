import { createHash, randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { TransportAddress } from '../../src-shared/domain.js';
import { EngineFailure } from '../engine/engine-error.js';
import { systemClock, type MediaClock } from '../media/media-clock.js';
import { readRawErrorCode } from './stun-codec.js';
import { StunTransactions } from './stun-transaction.js';
import {
  addressAttribute,
  ALLOCATE,
  ATTR,
  bytesAttribute,
  CHANNEL_BIND,
  CLASS_ERROR,
  CLASS_MASK,
  CLASS_SUCCESS,
  CREATE_PERMISSION,
  DATA_INDICATION,
  decodeTurnMessage,
  encodeTurnMessage,
  HEADER_LENGTH,
  lifetimeOf,
  METHOD_MASK,
  methodName,
  REFRESH,
  REQUESTED_TRANSPORT_UDP,
  SEND_INDICATION,
  verifyIntegrity,
  type AttributeSpec,
  type StunMessage,
} from './turn-codec.js';
import { parseStunServer, resolveStunServer } from './stun-server-spec.js';
import type { UdpEndpoint } from './udp-endpoint.js';

export interface TurnServerSpec {
  /** `host:port` (3478 when the port is left out). */
  server: string;
  username: string;
  password: string;
}

export interface TurnAllocation {
  /** The TURN server's transport address, as resolved. */
  server: TransportAddress;
  /** Where peers send to reach us (XOR-RELAYED-ADDRESS). */
  relayed: TransportAddress;
  /** Our socket as the server sees it (XOR-MAPPED-ADDRESS), when the server says. */
  mapped: TransportAddress | null;
  lifetimeSeconds: number;
  rttMs: number;
}

export type TurnErrorCode = 'auth-failed' | 'timeout' | 'unreachable' | 'rejected' | 'closed';

/** Why a TURN operation failed. Its message never carries the password or the key. */
export class TurnError extends EngineFailure<TurnErrorCode> {
  override readonly name = 'TurnError';

  constructor(
    code: TurnErrorCode,
    message: string,
    /** The server's STUN error code, when it answered with one. */
    readonly stunErrorCode?: number,
  ) {
    super(code, message);
  }
}

/**
 * A TURN allocation's life (RFC 8656 §7–8).
 *
 * ```
 *  idle ──allocate()──> allocating ──granted──> allocated ──refresh refused/lapsed──> failed
 *                          │                       │                                  │
 *                          └──refused/timeout──> failed ──allocate()──> allocating    │
 *  any state ──close()──> closed (deallocates first when an allocation may be held) <─┘
 * ```
 */
export type TurnState = 'idle' | 'allocating' | 'allocated' | 'failed' | 'closed';

export interface TurnEvent {
  type: 'allocated' | 'refreshed' | 'refresh-failed' | 'permission' | 'channel' | 'closed';
  detail?: string;
}

export interface TurnClientOptions {
  /** Initial retransmission timeout (RFC 5389 §7.2.1), 500 ms by default. */
  rtoMs?: number;
  /**
   * Bound on allocate() as a whole (DNS, challenge and authenticated Allocate), 2000 ms by
   * default: a call falls back quickly when the server is down. permit() and bindChannel() are
   * bounded by it too, since a call waits on them as well.
   */
  allocateTimeoutMs?: number;
  onEvent?: (event: TurnEvent) => void;
  /** Time and timers: `performance.now()` and Node's by default; tests drive a clock by hand. */
  clock?: MediaClock;
}

/** What the client needs of a socket; {@link UdpEndpoint} provides it. */
export type TurnSocket = Pick<UdpEndpoint, 'on' | 'send'>;

/** Counters of a client's traffic; the `dropped*` ones count datagrams refused on receipt. */
export interface TurnStats {
  channelDataSent: number;
  sendIndicationsSent: number;
  /** send() calls that went nowhere: no allocation, oversized, or the socket refused them. */
  sendsDropped: number;
  channelDataReceived: number;
  dataIndicationsReceived: number;
  /** 438 answers that made a request go again with the server's new nonce. */
  staleNonceRetries: number;
  /** Not a well-formed STUN message or ChannelData. */
  droppedMalformed: number;
  /** Not from the TURN server's address. */
  droppedForeign: number;
  /** Well formed but not an answer to any request of ours, or for a channel we never bound. */
  droppedUnmatched: number;
  /** An answer whose MESSAGE-INTEGRITY did not check out with our key. */
  droppedBadIntegrity: number;
}

/**
 * Channel numbers start at 0x4000; only up to 0x4FFF does ChannelData begin with a byte in 64–79,
 * the range RFC 7983 §7 (and our socket's demultiplexer) recognises as TURN ChannelData.
 */
const FIRST_CHANNEL = 0x4000;
const LAST_CHANNEL = 0x4fff;
/** RFC 8656 §7: the lifetime a server grants when it does not say. */
const DEFAULT_LIFETIME_SECONDS = 600;
/** Refresh the allocation at this share of its lifetime (RFC 8656 §8 leaves the margin to us). */
const REFRESH_AT = 0.8;
/**
 * Permissions last 300 s (RFC 8656 §9) and channels 600 s (§12). A channel's ChannelBind refresh
 * also refreshes its permission, which expires first, so both are refreshed at 4 minutes.
 */
const PERMISSION_REFRESH_MS = 240_000;
const CHANNEL_REFRESH_MS = 240_000;
/** Refresh timers do not keep a process alive: a CLI ends when its call does. */
const BACKGROUND = { background: true } as const;
/** After a failed permission or channel refresh, try again this soon: a minute is still left. */
const MAINTENANCE_RETRY_MS = 15_000;
/** RFC 5389 §7.2.1: Rc transmissions, then Rm·RTO of waiting. */
const MAX_TRANSMISSIONS = 7;
const FINAL_WAIT_FACTOR = 16;
/** A hang-up must not wait on a dead server; a lost deallocation only leaves it to expire. */
const MAX_CLOSE_MS = 1000;
/** Room for the 4-byte ChannelData header or a Send indication's attributes in 16-bit lengths. */
const MAX_PAYLOAD = 65_000;

interface Reply {
  success: boolean;
  message: StunMessage;
  errorCode: number | null;
  errorReason: string;
}

interface Answer extends Reply {
  rttMs: number;
}

interface TransactionMeta {
  method: number;
  /** The key to check a success answer's MESSAGE-INTEGRITY with; null for unauthenticated ones. */
  verifyWith: Buffer | null;
}

interface Outgoing {
  id: Buffer;
  datagram: Buffer;
}

interface Permission {
  ip: string;
  granted: boolean;
  pending: Promise<void> | null;
  cancelRefresh: (() => void) | undefined;
}

interface Channel {
  number: number;
  peer: TransportAddress;
  bound: boolean;
  pending: Promise<number> | null;
  cancelRefresh: (() => void) | undefined;
}

/**
 * TURN client (RFC 8656 over UDP) on a call's own RTP socket, for NATs that STUN cannot get
 * through (symmetric mapping): the media then goes through a relay the provider can reach.
 *
 * The `stun` package encodes and decodes; the state machine is ours: transactions with RFC 5389
 * retransmission, the long-term credential challenge (401, then MESSAGE-INTEGRITY keyed with
 * MD5(username:realm:password)), one retry on a stale nonce (438), refreshes of the allocation,
 * permissions and channels, and deallocation on close. An answer counts only when it comes from
 * the server's address with the transaction ID of a request we sent and, for a success to an
 * authenticated request, a MESSAGE-INTEGRITY that checks out; anything else is counted and
 * dropped. The password is only used to derive the key and appears in no message or log.
 */
export class TurnClient {
  readonly stats: TurnStats = {
    channelDataSent: 0,
    sendIndicationsSent: 0,
    sendsDropped: 0,
    channelDataReceived: 0,
    dataIndicationsReceived: 0,
    staleNonceRetries: 0,
    droppedMalformed: 0,
    droppedForeign: 0,
    droppedUnmatched: 0,
    droppedBadIntegrity: 0,
  };

  private readonly serverSpec: string;
  private readonly username: string;
  // ECMAScript-private, so that neither util.inspect nor a JSON dump of the client shows them.
  readonly #password: string;
  #key: Buffer | null = null;
  private realm: Buffer | null = null;
  private nonce: Buffer | null = null;
  private readonly rtoMs: number;
  private readonly allocateTimeoutMs: number;
  private readonly onEvent: ((event: TurnEvent) => void) | undefined;
  private readonly clock: MediaClock;

  private stateValue: TurnState = 'idle';
  private serverAddress: TransportAddress | null = null;
  private current: TurnAllocation | null = null;
  private expiresAt = 0;
  /** An authenticated Allocate went out: the server may hold an allocation for our 5-tuple. */
  private mayHoldAllocation = false;
  private allocating: Promise<TurnAllocation> | null = null;
  private closing: Promise<void> | null = null;
  private cancelRefresh: (() => void) | undefined;
  private detachers: Array<() => void> = [];
  private readonly transactions: StunTransactions<TransactionMeta, Reply>;
  private readonly permissions = new Map<string, Permission>();
  private readonly channels = new Map<string, Channel>();
  private readonly channelsByNumber = new Map<number, Channel>();
  private nextChannel = FIRST_CHANNEL;
  private readonly dataListeners = new Set<(data: Buffer, peer: TransportAddress) => void>();

  constructor(
    private readonly endpoint: TurnSocket,
    spec: TurnServerSpec,
    options: TurnClientOptions = {},
  ) {
    this.serverSpec = spec.server;
    this.username = spec.username;
    this.#password = spec.password;
    this.rtoMs = options.rtoMs ?? 500;
    this.allocateTimeoutMs = options.allocateTimeoutMs ?? 2000;
    this.onEvent = options.onEvent;
    this.clock = options.clock ?? systemClock;
    this.transactions = new StunTransactions(endpoint, this.clock);
  }

  get state(): TurnState {
    return this.stateValue;
  }

  get allocation(): TurnAllocation | null {
    return this.stateValue === 'allocated' && this.current ? { ...this.current } : null;
  }

  /**
   * Allocates a relayed address. Concurrent calls share one attempt; once allocated, it resolves
   * with the current allocation; after a failure it may be called again.
   */
  allocate(signal?: AbortSignal): Promise<TurnAllocation> {
    if (this.stateValue === 'closed') {
      return Promise.reject(new TurnError('closed', 'TURN client is closed'));
    }
    if (this.stateValue === 'allocated' && this.current) {
      return Promise.resolve({ ...this.current });
    }
    if (!this.allocating) {
      this.allocating = this.runAllocate(signal).finally(() => {
        this.allocating = null;
      });
    }
    return this.allocating;
  }

  /** Installs a permission for the peer's IP address (RFC 8656 §9) and keeps it alive. */
  permit(peer: TransportAddress): Promise<void> {
    const refusal = this.notAllocated() ?? invalidPeer(peer);
    if (refusal) return Promise.reject(refusal);
    const existing = this.permissions.get(peer.address);
    if (existing?.pending) return existing.pending;
    if (existing?.granted) return Promise.resolve();
    const permission: Permission = existing ?? {
      ip: peer.address,
      granted: false,
      pending: null,
      cancelRefresh: undefined,
    };
    this.permissions.set(peer.address, permission);
    permission.pending = this.createPermission(peer, this.userDeadline())
      .then(
        () => {
          permission.granted = true;
          this.schedulePermissionRefresh(permission, PERMISSION_REFRESH_MS);
          this.emit({ type: 'permission', detail: peer.address });
        },
        (error: unknown) => {
          if (!permission.granted) this.permissions.delete(peer.address);
          throw error;
        },
      )
      .finally(() => {
        permission.pending = null;
      });
    return permission.pending;
  }

  /**
   * Binds a channel to the peer (RFC 8656 §12), which also installs the permission for its IP;
   * resolves with the channel number and keeps the binding alive. From then on send() to this
   * peer uses ChannelData: 4 bytes of overhead instead of a Send indication's 44.
   */
  bindChannel(peer: TransportAddress): Promise<number> {
    const refusal = this.notAllocated() ?? invalidPeer(peer);
    if (refusal) return Promise.reject(refusal);
    const key = peerKey(peer);
    const existing = this.channels.get(key);
    if (existing?.pending) return existing.pending;
    if (existing?.bound) return Promise.resolve(existing.number);
    if (this.nextChannel > LAST_CHANNEL) {
      return Promise.reject(new TurnError('rejected', 'no TURN channel numbers left'));
    }
    // Numbers are never reused: one whose ChannelBind timed out may be bound on the server.
    const channel: Channel = {
      number: this.nextChannel++,
      peer: { address: peer.address, port: peer.port },
      bound: false,
      pending: null,
      cancelRefresh: undefined,
    };
    // Known before the answer: the server may relay ChannelData as soon as it has bound it.
    this.channels.set(key, channel);
    this.channelsByNumber.set(channel.number, channel);
    channel.pending = this.channelBind(channel, this.userDeadline())
      .then(
        () => {
          channel.bound = true;
          this.scheduleChannelRefresh(channel, CHANNEL_REFRESH_MS);
          this.emit({ type: 'channel', detail: channelDetail(channel) });
          return channel.number;
        },
        (error: unknown) => {
          this.channels.delete(key);
          this.channelsByNumber.delete(channel.number);
          throw error;
        },
      )
      .finally(() => {
        channel.pending = null;
      });
    return channel.pending;
  }

  /**
   * Relays `data` to the peer: as ChannelData once a channel is bound to it, else as a Send
   * indication (which the server drops unless the peer's IP has a permission). Never throws;
   * what cannot be sent is counted in `stats.sendsDropped`.
   */
  send(peer: TransportAddress, data: Buffer): void {
    const server = this.serverAddress;
    if (this.stateValue !== 'allocated' || !server || data.length > MAX_PAYLOAD) {
      this.stats.sendsDropped++;
      return;
    }
    const channel = this.channels.get(peerKey(peer));
    let datagram: Buffer;
    if (channel?.bound) {
      datagram = Buffer.allocUnsafe(4 + data.length);
      datagram.writeUInt16BE(channel.number, 0);
      datagram.writeUInt16BE(data.length, 2);
      data.copy(datagram, 4);
      this.stats.channelDataSent++;
    } else {
      try {
        datagram = this.build(SEND_INDICATION, [
          [ATTR.XOR_PEER_ADDRESS, peer.address, peer.port],
          [ATTR.DATA, data],
        ]).datagram;
      } catch {
        // The codec refuses what is not an IP address and port.
        this.stats.sendsDropped++;
        return;
      }
      this.stats.sendIndicationsSent++;
    }
    this.endpoint.send(datagram, server).catch(() => {
      this.stats.sendsDropped++;
    });
  }

  /** Data relayed from peers, by ChannelData or Data indication; returns the remover. */
  onData(listener: (data: Buffer, peer: TransportAddress) => void): () => void {
    this.dataListeners.add(listener);
    return () => {
      this.dataListeners.delete(listener);
    };
  }

  /**
   * Deallocates (Refresh with LIFETIME 0, bounded to a second), stops every timer and lets go of
   * the socket (which stays open: it belongs to the call). Never throws; idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown().catch(() => undefined);
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const holding = this.mayHoldAllocation;
    this.stateValue = 'closed';
    this.stopMaintenance();
    // An allocation under way or a refresh in flight ends here; their callers see 'closed'.
    this.transactions.closeAll();
    if (holding) {
      const deadlineAt = this.clock.now() + Math.min(MAX_CLOSE_MS, this.allocateTimeoutMs);
      try {
        await this.authenticatedRequest(REFRESH, [[ATTR.LIFETIME, 0]], deadlineAt);
      } catch {
        // Unanswered: the server will expire the allocation itself.
      }
    }
    this.mayHoldAllocation = false;
    this.current = null;
    this.detach();
    this.dataListeners.clear();
    this.emit({ type: 'closed' });
  }

  private async runAllocate(signal: AbortSignal | undefined): Promise<TurnAllocation> {
    const deadlineAt = this.clock.now() + this.allocateTimeoutMs;
    this.resetAllocationState();
    this.stateValue = 'allocating';
    this.attach();
    try {
      if (signal?.aborted) throw abortedError();
      const server = await this.resolveServer(deadlineAt);
      this.ensureNotClosed();
      if (signal?.aborted) throw abortedError();
      this.serverAddress = server;
      const attributes: AttributeSpec[] = [[ATTR.REQUESTED_TRANSPORT, REQUESTED_TRANSPORT_UDP]];
      // RFC 8656 §7.1: the first Allocate goes without credentials, to learn realm and nonce.
      let answer = await this.transact(ALLOCATE, this.build(ALLOCATE, attributes), {
        deadlineAt,
        verifyWith: null,
        signal,
      });
      if (!answer.success) {
        if (answer.errorCode !== 401 || !this.learnChallenge(answer.message)) {
          throw this.refusal(answer, 'Allocate');
        }
        this.mayHoldAllocation = true;
        answer = await this.authenticatedRequest(ALLOCATE, attributes, deadlineAt, signal);
        if (!answer.success) throw this.refusal(answer, 'Allocate');
      }
      // close() may have come between the answer and this continuation.
      this.ensureNotClosed();
      this.mayHoldAllocation = true;
      const relayed = addressAttribute(answer.message, ATTR.XOR_RELAYED_ADDRESS);
      if (!relayed) {
        throw new TurnError('rejected', 'the TURN server granted no relayed address');
      }
      const lifetimeSeconds = lifetimeOf(answer.message) ?? DEFAULT_LIFETIME_SECONDS;
      if (lifetimeSeconds <= 0) throw new TurnError('rejected', 'the TURN server granted 0 s');
      this.current = {
        server,
        relayed,
        mapped: addressAttribute(answer.message, ATTR.XOR_MAPPED_ADDRESS),
        lifetimeSeconds,
        rttMs: answer.rttMs,
      };
      this.expiresAt = this.clock.now() + lifetimeSeconds * 1000;
      this.stateValue = 'allocated';
      this.scheduleRefresh();
      this.emit({
        type: 'allocated',
        detail: `${formatAddress(relayed)} for ${lifetimeSeconds} s`,
      });
      return { ...this.current };
    } catch (error) {
      const failure = asTurnError(error);
      if (!this.isClosed()) {
        this.stateValue = 'failed';
        // Our Allocate may have been granted with its answer lost: release it rather than
        // leaving the 5-tuple taken (a retry would get 437 Allocation Mismatch).
        if (this.mayHoldAllocation) this.sendDeallocationOnce();
        this.mayHoldAllocation = false;
        this.detach();
      }
      throw failure;
    }
  }

  private async resolveServer(deadlineAt: number): Promise<TransportAddress> {
    try {
      const spec = parseStunServer(this.serverSpec);
      return await resolveStunServer(spec, Math.max(1, deadlineAt - this.clock.now()));
    } catch (error) {
      throw new TurnError('unreachable', `TURN server ${this.serverSpec}: ${messageOf(error)}`);
    }
  }

  /** A request carrying USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; goes again once on 438. */
  private async authenticatedRequest(
    method: number,
    attributes: AttributeSpec[],
    deadlineAt: number,
    signal?: AbortSignal,
  ): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.transact(method, this.build(method, attributes, true), {
        deadlineAt,
        verifyWith: this.#key,
        signal,
      });
      if (answer.errorCode === 438 && attempt === 0 && this.learnChallenge(answer.message)) {
        this.stats.staleNonceRetries++;
        continue;
      }
      return answer;
    }
  }

  /** Takes REALM and NONCE from a 401 or 438 answer; false when it lacks them. */
  private learnChallenge(message: StunMessage): boolean {
    const realm = bytesAttribute(message, ATTR.REALM) ?? this.realm;
    const nonce = bytesAttribute(message, ATTR.NONCE);
    if (!realm || !nonce) return false;
    if (!this.realm || !this.#key || !realm.equals(this.realm)) {
      // RFC 5389 §15.4 long-term credentials.
      this.#key = createHash('md5')
        .update(`${this.username}:${realm.toString('utf8')}:${this.#password}`, 'utf8')
        .digest();
    }
    this.realm = Buffer.from(realm);
    this.nonce = Buffer.from(nonce);
    return true;
  }

  private build(method: number, attributes: AttributeSpec[], authenticate = false): Outgoing {
    const id = randomBytes(12);
    const credential =
      authenticate && this.#key && this.realm && this.nonce
        ? { username: this.username, realm: this.realm, nonce: this.nonce, key: this.#key }
        : null;
    return { id, datagram: encodeTurnMessage(method, id, attributes, credential) };
  }

  /** One STUN transaction with RFC 5389 §7.2.1 retransmission, bounded by `deadlineAt`. */
  private async transact(
    method: number,
    outgoing: Outgoing,
    options: { deadlineAt: number; verifyWith: Buffer | null; signal?: AbortSignal | undefined },
  ): Promise<Answer> {
    const server = this.serverAddress;
    if (!server) throw new TurnError('closed', 'no TURN server');
    if (this.stateValue === 'closed' && method !== REFRESH) {
      throw new TurnError('closed', 'TURN client is closed');
    }
    const outcome = await this.transactions.run(
      {
        id: outgoing.id,
        datagram: outgoing.datagram,
        to: server,
        meta: { method, verifyWith: options.verifyWith },
      },
      {
        rtoMs: this.rtoMs,
        maxTransmissions: MAX_TRANSMISSIONS,
        finalWaitFactor: FINAL_WAIT_FACTOR,
        deadlineAt: options.deadlineAt,
      },
      options.signal,
    );
    if (outcome.ok) return { ...outcome.answer, rttMs: outcome.rttMs };
    switch (outcome.code) {
      case 'timeout':
        throw new TurnError(
          'timeout',
          `no answer from TURN server ${formatAddress(server)} (${methodName(method)})`,
        );
      case 'send-failed':
        throw new TurnError(
          'unreachable',
          `cannot send to TURN server ${formatAddress(server)}: ${outcome.detail}`,
        );
      case 'aborted':
        throw abortedError();
      case 'closed':
        throw new TurnError('closed', 'TURN client closed');
    }
  }

  private attach(): void {
    if (this.detachers.length > 0) return;
    this.detachers = [
      this.endpoint.on('stun', (datagram, from) => this.receiveStun(datagram, from)),
      this.endpoint.on('turn-channel', (datagram, from) => this.receiveChannelData(datagram, from)),
    ];
  }

  private detach(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }

  private isServer(from: TransportAddress): boolean {
    const server = this.serverAddress;
    return !!server && server.address === from.address && server.port === from.port;
  }

  private receiveStun(datagram: Buffer, from: TransportAddress): void {
    if (!this.isServer(from)) {
      this.stats.droppedForeign++;
      return;
    }
    const message = decodeTurnMessage(datagram);
    if (!message) {
      this.stats.droppedMalformed++;
      return;
    }
    if (message.type === DATA_INDICATION) {
      this.receiveDataIndication(message);
      return;
    }
    const messageClass = message.type & CLASS_MASK;
    const transaction = this.transactions.find(datagram.toString('hex', 8, HEADER_LENGTH), from);
    if (
      (messageClass !== CLASS_SUCCESS && messageClass !== CLASS_ERROR) ||
      !transaction ||
      (message.type & METHOD_MASK) !== transaction.meta.method
    ) {
      this.stats.droppedUnmatched++;
      return;
    }
    const success = messageClass === CLASS_SUCCESS;
    // A success to an authenticated request must prove it knows the key (RFC 5389 §10.2.3);
    // error answers such as 401 and 438 cannot, but one that claims to must be right.
    const hasIntegrity = message.getAttribute(ATTR.MESSAGE_INTEGRITY) !== undefined;
    if (
      transaction.meta.verifyWith &&
      (success || hasIntegrity) &&
      !verifyIntegrity(datagram, transaction.meta.verifyWith)
    ) {
      this.stats.droppedBadIntegrity++;
      return;
    }
    const error = success ? null : readRawErrorCode(datagram);
    transaction.answer({
      success,
      message,
      errorCode: error?.code ?? (success ? null : 0),
      errorReason: sanitize(error?.reason ?? ''),
    });
  }

  private receiveDataIndication(message: StunMessage): void {
    const peer = addressAttribute(message, ATTR.XOR_PEER_ADDRESS);
    const data = bytesAttribute(message, ATTR.DATA);
    if (!peer || !data || this.stateValue !== 'allocated') {
      if (!peer || !data) this.stats.droppedMalformed++;
      else this.stats.droppedUnmatched++;
      return;
    }
    this.stats.dataIndicationsReceived++;
    this.deliver(data, peer);
  }

  private receiveChannelData(datagram: Buffer, from: TransportAddress): void {
    if (!this.isServer(from)) {
      this.stats.droppedForeign++;
      return;
    }
    if (datagram.length < 4) {
      this.stats.droppedMalformed++;
      return;
    }
    const length = datagram.readUInt16BE(2);
    if (length > datagram.length - 4) {
      this.stats.droppedMalformed++;
      return;
    }
    const channel = this.channelsByNumber.get(datagram.readUInt16BE(0));
    if (!channel || this.stateValue !== 'allocated') {
      this.stats.droppedUnmatched++;
      return;
    }
    this.stats.channelDataReceived++;
    // Over UDP the server may pad to 4 bytes (RFC 8656 §12.5): the length field is the truth.
    this.deliver(datagram.subarray(4, 4 + length), channel.peer);
  }

  private deliver(data: Buffer, peer: TransportAddress): void {
    for (const listener of [...this.dataListeners]) {
      try {
        listener(data, { address: peer.address, port: peer.port });
      } catch {
        // A listener that chokes on relayed data must not stop the others or the socket.
      }
    }
  }

  private async createPermission(peer: TransportAddress, deadlineAt: number): Promise<void> {
    const answer = await this.authenticatedRequest(
      CREATE_PERMISSION,
      [[ATTR.XOR_PEER_ADDRESS, peer.address, peer.port]],
      deadlineAt,
    );
    if (!answer.success) throw this.refusal(answer, `CreatePermission for ${peer.address}`);
  }

  private async channelBind(channel: Channel, deadlineAt: number): Promise<void> {
    const answer = await this.authenticatedRequest(
      CHANNEL_BIND,
      [
        // RFC 8656 §14.1: the number in the upper 16 bits; the package knows it as a UINT32.
        [ATTR.CHANNEL_NUMBER, channel.number * 0x10000],
        [ATTR.XOR_PEER_ADDRESS, channel.peer.address, channel.peer.port],
      ],
      deadlineAt,
    );
    if (!answer.success) throw this.refusal(answer, `ChannelBind ${channelDetail(channel)}`);
  }

  private scheduleRefresh(): void {
    this.cancelRefresh?.();
    const lifetimeSeconds = this.current?.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
    this.cancelRefresh = this.clock.setTimer(
      () => void this.refreshAllocation(),
      lifetimeSeconds * 1000 * REFRESH_AT,
      BACKGROUND,
    );
  }

  private async refreshAllocation(): Promise<void> {
    if (this.stateValue !== 'allocated') return;
    // Retransmit until the allocation would lapse: an answer after that is worthless.
    const deadlineAt = Math.max(this.expiresAt, this.clock.now() + this.rtoMs);
    try {
      const answer = await this.authenticatedRequest(REFRESH, [], deadlineAt);
      if (this.stateValue !== 'allocated' || !this.current) return;
      if (!answer.success) throw this.refusal(answer, 'Refresh');
      const lifetimeSeconds = lifetimeOf(answer.message) ?? DEFAULT_LIFETIME_SECONDS;
      if (lifetimeSeconds <= 0) throw new TurnError('rejected', 'the TURN server granted 0 s');
      this.current = { ...this.current, lifetimeSeconds };
      this.expiresAt = this.clock.now() + lifetimeSeconds * 1000;
      this.scheduleRefresh();
      this.emit({ type: 'refreshed', detail: `${lifetimeSeconds} s` });
    } catch (error) {
      if (this.stateValue !== 'allocated') return;
      this.loseAllocation(`allocation: ${messageOf(error)}`);
    }
  }

  private schedulePermissionRefresh(permission: Permission, delayMs: number): void {
    permission.cancelRefresh?.();
    permission.cancelRefresh = this.clock.setTimer(
      () => {
        if (this.stateValue !== 'allocated') return;
        this.createPermission({ address: permission.ip, port: 1 }, this.backgroundDeadline()).then(
          () => {
            this.schedulePermissionRefresh(permission, PERMISSION_REFRESH_MS);
            this.emit({ type: 'permission', detail: `${permission.ip} refreshed` });
          },
          (error: unknown) =>
            this.maintenanceFailed(`permission ${permission.ip}: ${messageOf(error)}`, error, () =>
              this.schedulePermissionRefresh(permission, MAINTENANCE_RETRY_MS),
            ),
        );
      },
      delayMs,
      BACKGROUND,
    );
  }

  private scheduleChannelRefresh(channel: Channel, delayMs: number): void {
    channel.cancelRefresh?.();
    channel.cancelRefresh = this.clock.setTimer(
      () => {
        if (this.stateValue !== 'allocated') return;
        this.channelBind(channel, this.backgroundDeadline()).then(
          () => {
            this.scheduleChannelRefresh(channel, CHANNEL_REFRESH_MS);
            this.emit({ type: 'channel', detail: `${channelDetail(channel)} refreshed` });
          },
          (error: unknown) =>
            this.maintenanceFailed(
              `channel ${channelDetail(channel)}: ${messageOf(error)}`,
              error,
              () => this.scheduleChannelRefresh(channel, MAINTENANCE_RETRY_MS),
            ),
        );
      },
      delayMs,
      BACKGROUND,
    );
  }

  private maintenanceFailed(detail: string, error: unknown, retry: () => void): void {
    if (this.stateValue !== 'allocated') return;
    // 437: the server no longer has our allocation; nothing on it can be refreshed.
    if (error instanceof TurnError && error.stunErrorCode === 437) {
      this.loseAllocation(detail);
      return;
    }
    this.emit({ type: 'refresh-failed', detail });
    retry();
  }

  private loseAllocation(detail: string): void {
    this.stateValue = 'failed';
    this.stopMaintenance();
    this.current = null;
    this.mayHoldAllocation = false;
    this.detach();
    this.emit({ type: 'refresh-failed', detail });
  }

  private stopMaintenance(): void {
    this.cancelRefresh?.();
    this.cancelRefresh = undefined;
    for (const permission of this.permissions.values()) permission.cancelRefresh?.();
    for (const channel of this.channels.values()) channel.cancelRefresh?.();
  }

  private resetAllocationState(): void {
    this.stopMaintenance();
    this.permissions.clear();
    this.channels.clear();
    this.channelsByNumber.clear();
    this.nextChannel = FIRST_CHANNEL;
    this.current = null;
    this.mayHoldAllocation = false;
    this.realm = null;
    this.nonce = null;
    this.#key = null;
  }

  /** Fire and forget: after a failed allocate() nobody waits for the answer. */
  private sendDeallocationOnce(): void {
    const server = this.serverAddress;
    if (!server || !this.#key) return;
    try {
      const { datagram } = this.build(REFRESH, [[ATTR.LIFETIME, 0]], true);
      this.endpoint.send(datagram, server).catch(() => undefined);
    } catch {
      // Best effort only.
    }
  }

  private refusal(answer: Answer, what: string): TurnError {
    const code = answer.errorCode ?? 0;
    const said = `${code}${answer.errorReason ? ` ${answer.errorReason}` : ''}`;
    if (code === 401) {
      return new TurnError(
        'auth-failed',
        `TURN server refused the user name or password for ${this.username} (${said})`,
        code,
      );
    }
    return new TurnError('rejected', `TURN ${what} refused: ${said}`, code);
  }

  private notAllocated(): TurnError | null {
    if (this.stateValue === 'allocated') return null;
    if (this.stateValue === 'closed') return new TurnError('closed', 'TURN client is closed');
    return new TurnError('rejected', `no TURN allocation (state ${this.stateValue})`);
  }

  private ensureNotClosed(): void {
    if (this.isClosed()) throw new TurnError('closed', 'TURN client closed');
  }

  /** A method, not a comparison: state changes across awaits, which narrowing does not see. */
  private isClosed(): boolean {
    return this.stateValue === 'closed';
  }

  private userDeadline(): number {
    return this.clock.now() + this.allocateTimeoutMs;
  }

  /** The whole RFC 5389 schedule: background refreshes have a minute of slack. */
  private backgroundDeadline(): number {
    return this.clock.now() + this.rtoMs * (2 ** (MAX_TRANSMISSIONS - 1) - 1 + FINAL_WAIT_FACTOR);
  }

  private emit(event: TurnEvent): void {
    try {
      this.onEvent?.(event);
    } catch {
      // An observer's failure is not the client's.
    }
  }
}

/** The allocation is IPv4 (no REQUESTED-ADDRESS-FAMILY): so must its peers be. */
function invalidPeer(peer: TransportAddress): TurnError | null {
  const valid =
    isIPv4(peer.address) && Number.isInteger(peer.port) && peer.port >= 1 && peer.port <= 0xffff;
  return valid ? null : new TurnError('rejected', `not an IPv4 peer: ${formatAddress(peer)}`);
}

function peerKey(peer: TransportAddress): string {
  return `${peer.address}:${peer.port}`;
}

function formatAddress(address: TransportAddress): string {
  return `${address.address}:${address.port}`;
}

function channelDetail(channel: Channel): string {
  return `0x${channel.number.toString(16)} to ${formatAddress(channel.peer)}`;
}

/** A server's reason phrase goes into our messages: printable and short only. */
function sanitize(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '').slice(0, 128);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asTurnError(error: unknown): TurnError {
  return error instanceof TurnError ? error : new TurnError('rejected', messageOf(error));
}

function abortedError(): TurnError {
  return new TurnError('closed', 'TURN allocation aborted');
}
