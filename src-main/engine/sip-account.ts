import {
  Registerer,
  RegistererState,
  SIPExtension,
  UserAgent,
  type Invitation,
  type LogLevel,
  type Session,
} from 'sip.js';
import type { Account, Registration, TransportAddress } from '../../src-shared/domain.js';
import { defaultSipPort } from '../../src-shared/registrar-address.js';
import { UdpEndpoint, localAddressToward } from '../net/udp-endpoint.js';
import { RtpSessionDescriptionHandler } from '../sip/rtp-session-description-handler.js';
import type { CallMediaPort } from '../sip/call-media-port.js';
import type { ViaReceivedResponse } from '../sip/udp-transport.js';
import { signallingTransportClass, type SignallingTransport } from './signalling-transport.js';
import { boundRegistererDurations } from '../sip/registerer-durations.js';
import { natSettingsOf, type EngineOptions } from './engine-options.js';
import { keepaliveIntervalSeconds } from '../../src-shared/keepalive-interval.js';
import { viewSipMessage } from '../sip/sip-message-view.js';
import type { CallRedirect } from '../sip/call-redirect.js';
import type { BusyRefusal } from '../sip/incoming-request-screen.js';
import { redactSipMessage } from '../sip/sip-redaction.js';
import { describeError, EngineFailure } from './engine-error.js';
import { NatMonitor, sameAddress } from './nat-monitor.js';
import { addressPresent } from './network-change-watcher.js';
import { type ChallengeBook, installDigestAuthentication } from '../sip/digest-authentication.js';
import { parseServerSpec, resolveServer, type ServerSpec } from './server-address.js';

export interface SipAccountDelegate {
  onRegistration(registration: Registration): void;
  onNatStatus(): void;
  onInvite(invitation: Invitation): void;
  /** Why a new call would be refused 486 now (asked before sip.js parses it), or null. */
  busyBecause?(): string | null;
  /** Where a new call is sent instead of ringing (302, do not disturb), or null. */
  redirectBecause?(): CallRedirect | null;
  /**
   * A new call refused 486 (or sent on with 302, `redirectedTo` its Contact) before sip.js saw
   * it: `from` is its raw From header.
   */
  onBusyRefusal?(refusal: BusyRefusal): void;
  /** A message-summary NOTIFY's body and where it came from (see VoicemailIndicator). */
  onMessageSummary?(body: string, from: TransportAddress): void;
  /** Creates the media of a session (outgoing or incoming) when sip.js asks for it. */
  createMedia(session: Session): CallMediaPort;
  onTrace?(direction: 'out' | 'in', message: string, peer: TransportAddress): void;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** Registrar's answers that mean "stop": retrying them would only lock the account. */
const FATAL_REGISTER_STATUS = new Set([401, 403, 404, 407]);

/**
 * One registered SIP account: the SIP socket (shared with STUN), the sip.js user agent over our
 * UDP transport, registration with refresh, keepalives that hold the NAT binding open, and the
 * Contact kept in step with the public mapping.
 */
export class SipAccount {
  readonly nat: NatMonitor;
  private registerer: Registerer | null = null;
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private registration: Registration;
  /** Event packages the registrar's last 200 to REGISTER listed in `Allow-Events`, lower case. */
  private registrarEvents: string[] = [];
  private stopped = false;
  private closed = false;
  /** Guards against a registrar that keeps reporting a different address on every answer. */
  private contactRewrites = 0;

  private constructor(
    readonly account: Account,
    readonly server: ServerSpec,
    readonly serverAddress: TransportAddress,
    private socket: UdpEndpoint,
    /** The address traffic toward the registrar leaves from; follows network changes. */
    public localAddress: string,
    readonly userAgent: UserAgent,
    readonly transport: SignallingTransport,
    nat: NatMonitor,
    private readonly options: EngineOptions,
    private readonly delegate: SipAccountDelegate,
  ) {
    this.nat = nat;
    this.registration = {
      state: 'unregistered',
      account,
      contact: null,
      expiresAt: null,
      error: null,
    };
  }

  /** Resolves the server, binds the SIP socket, learns its mapping and starts the user agent. */
  static async open(
    account: Account,
    password: string,
    options: EngineOptions,
    delegate: SipAccountDelegate,
  ): Promise<SipAccount> {
    const server = parseServerSpec(account.server, defaultSipPort(options.sipTransport));
    const stream = options.sipTransport !== 'udp';
    const serverAddress = await resolveServer(server);
    let endpoint: UdpEndpoint;
    try {
      endpoint = await UdpEndpoint.bind({
        address: options.localAddress,
        port: options.localSipPort,
        role: 'sip',
      });
    } catch (error) {
      throw new EngineFailure('socket', `cannot open the SIP socket: ${describeError(error)}`);
    }
    try {
      const localAddress =
        options.localAddress !== '0.0.0.0'
          ? options.localAddress
          : await localAddressToward(serverAddress.address, serverAddress.port);
      const nat = new NatMonitor(endpoint, {
        nat: natSettingsOf(options),
        keepaliveSeconds: keepaliveIntervalSeconds(options),
        localAddress,
        followRegistrar: options.contactFollowsRegistrar,
        stream,
        log: (level, message) => delegate.log?.(level, message),
      });
      await nat.check();
      const contact = nat.status.contact ?? nat.status.local;
      // sip.js constructs the transport itself; these hold what it built and the account that
      // the transport's callbacks report to once it exists.
      const created: {
        transport?: SignallingTransport;
        userAgent?: UserAgent;
        account?: SipAccount;
        challenges?: ChallengeBook;
      } = {};
      const transportOptions = {
        endpoint,
        server: serverAddress,
        timers: options.sipTimers,
        acceptSipFromServerOnly: options.acceptSipFromServerOnly,
        localUser: account.user,
        inviteAdmission: options.incomingCallLimit,
        busy: () => delegate.busyBecause?.() ?? null,
        redirect: () => delegate.redirectBecause?.() ?? null,
        onBusyRefusal: (refusal: BusyRefusal) => delegate.onBusyRefusal?.(refusal),
        onMessageSummary: (body: string, from: TransportAddress) =>
          delegate.onMessageSummary?.(body, from),
        onTrace: (direction: 'out' | 'in', message: string, peer: TransportAddress) => {
          // Every challenge of a 401/407 is noted before sip.js reads only the first.
          if (direction === 'in') created.challenges?.record(message);
          if (direction === 'in' && isRegisterSuccess(message))
            created.account?.onRegisterSuccess();
          delegate.onTrace?.(direction, message, peer);
        },
        onViaReceived: (seen: TransportAddress, response: ViaReceivedResponse) =>
          created.account?.onRegistrarView(seen, response),
        // A Contact change learned while a REGISTER was in flight waits for its final response.
        onClientTransactionEnd: (method: string) => {
          if (method === 'REGISTER') created.account?.applyContactWhenIdle();
        },
      };
      const aor = UserAgent.makeURI(`sip:${account.user}@${server.host}`);
      if (!aor) throw new EngineFailure('bad-user', `"${account.user}" is not a valid SIP user`);
      const userAgent = new UserAgent({
        uri: aor,
        authorizationUsername: account.user,
        displayName: account.displayName ?? '',
        // Via sent-by without a port (sip.js drops responses whose Via carries one); rport
        // makes the registrar answer to the address it saw, RFC 3581.
        viaHost: contact.address,
        forceRport: true,
        contactName: account.user,
        contactParams: { transport: options.sipTransport },
        // A TCP/TLS transport reconnects by itself, and re-registers through the account.
        ...(stream ? { reconnectionAttempts: 0 } : {}),
        userAgentString: options.userAgentString,
        // The engine sends 180 itself, after checking the offer: an INVITE it can only refuse
        // (488) must not ring at the caller's end first.
        sendInitialProvisionalResponse: false,
        // An attended transfer to us replaces one of our calls (RFC 3891).
        sipExtensionReplaces: SIPExtension.Supported,
        logBuiltinEnabled: false,
        logLevel: 'warn' as LogLevel,
        logConnector: (level, category, _label, content) => {
          if (level === 'warn' || level === 'error') {
            delegate.log?.(level, `${category}: ${redactSecrets(content)}`);
          }
        },
        transportConstructor: signallingTransportClass(
          options,
          transportOptions,
          {
            serverName: server.host,
            onConnected: (local, again) => {
              nat.streamConnected(local);
              if (created.userAgent)
                setContactAddress(created.userAgent, nat.status.contact ?? local);
              if (again) created.account?.onReconnected();
            },
            log: (level, message) => delegate.log?.(level, message),
          },
          (transport) => (created.transport = transport),
        ),
        sessionDescriptionHandlerFactory: (session) =>
          new RtpSessionDescriptionHandler(delegate.createMedia(session)),
        delegate: { onInvite: (invitation) => delegate.onInvite(invitation) },
      });
      // sip.js computes MD5 only; ours answers SHA-256 too and counts nc per nonce.
      created.challenges = installDigestAuthentication(userAgent, {
        username: account.user,
        password,
      });
      created.userAgent = userAgent;
      setContactAddress(userAgent, contact);
      // A stream transport connects here, and points the Contact at the connection.
      await userAgent.start();
      const transport = created.transport;
      if (!transport) throw new Error('sip.js did not create the transport');
      const sipAccount = new SipAccount(
        account,
        server,
        serverAddress,
        endpoint,
        localAddress,
        userAgent,
        transport,
        nat,
        options,
        delegate,
      );
      created.account = sipAccount;
      return sipAccount;
    } catch (error) {
      await endpoint.close();
      throw error;
    }
  }

  /** The SIP socket (it also carries STUN); another one after its address went away. */
  get endpoint(): UdpEndpoint {
    return this.socket;
  }

  /**
   * Whether the registrar's last REGISTER answer listed this event package in `Allow-Events`
   * (RFC 6665 §8.2.2): what it says it will take a SUBSCRIBE for.
   */
  registrarAllowsEvent(eventPackage: string): boolean {
    return this.registrarEvents.includes(eventPackage.toLowerCase());
  }

  get state(): Registration {
    return this.registration;
  }

  /** The Contact header value calls and registrations carry now. */
  get contactHeader(): string {
    return this.userAgent.contact.toString();
  }

  /**
   * Sends REGISTER and resolves when the registrar accepted or refused it. A refusal after the
   * digest challenge (wrong password) is final: no retry, so the account is not locked out.
   */
  register(): Promise<Registration> {
    if (!this.registerer) {
      this.registerer = new Registerer(this.userAgent, {
        expires: this.account.expiresSeconds ?? this.options.registerExpiresSeconds,
        // Refresh well before expiry: a REGISTER may need retransmissions over a lossy link.
        refreshFrequency: 85,
        registrar: UserAgent.makeURI(`sip:${this.server.host}:${this.server.port}`),
      });
      boundRegistererDurations(this.registerer, () => this.onIntervalRefused());
      this.registerer.stateChange.addListener((state) => this.onRegistererState(state));
    }
    const registerer = this.registerer;
    this.setRegistration({ state: 'registering', error: null });
    return new Promise((resolve) => {
      let settled = false;
      const settle = (registration: Registration) => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        this.registerSuccessSeen = null;
        this.settleIntervalRefused = null;
        resolve(registration);
      };
      // sip.js silently drops a 2xx whose Contact list lacks ours; a router rewriting SIP (a SIP
      // ALG) is the usual reason. Say so at once instead of waiting out the guard.
      this.registerSuccessSeen = () => {
        setTimeout(() => {
          if (settled || registerer.state === RegistererState.Registered) return;
          settle(
            this.fail(
              'contact-rewritten',
              'the registrar accepted a Contact other than ours: a router on the way rewrites SIP (SIP ALG); disable SIP ALG on the router',
            ),
          );
        }, 300);
      };
      // sip.js ends the transaction after 64·T1 (Timer F); this only guards against silence.
      this.settleIntervalRefused = () => settle(this.intervalRefused());
      const guard = setTimeout(
        () => settle(this.fail('timeout', 'the registrar did not answer')),
        64 * this.options.sipTimers.t1 + 2000,
      );
      registerer
        .register({
          requestDelegate: {
            onAccept: (response) => {
              this.registrarEvents = eventPackagesIn(response.message.getHeaders('allow-events'));
              // A REGISTER sent while registered (a new Contact after a network change) leaves
              // sip.js's state where it was, so no state change says that it was accepted.
              if (this.registration.state !== 'registered') {
                this.onRegistererState(RegistererState.Registered);
              }
              this.startKeepalive();
              // A re-REGISTER of an account already registered changes no registerer state.
              if (this.registration.state !== 'registered') this.markRegistered();
              settle(this.registration);
            },
            onReject: (response) => {
              const status = response.message.statusCode ?? 0;
              settle(this.failForStatus(status, response.message.reasonPhrase ?? ''));
            },
          },
        })
        .catch((error: unknown) => {
          settle(this.fail('register', error instanceof Error ? error.message : String(error)));
        });
    });
  }

  private registerSuccessSeen: (() => void) | null = null;
  /** Ends the REGISTER being waited on when 423s never let it through. */
  private settleIntervalRefused: (() => void) | null = null;

  /** A registrar that answers 423 to every interval: said on the REGISTER waited on, or at once. */
  private onIntervalRefused(): void {
    if (this.settleIntervalRefused) this.settleIntervalRefused();
    else this.intervalRefused();
  }

  private intervalRefused(): Registration {
    return this.fail(
      'interval-too-brief',
      'the registrar refused every registration interval offered (423 Interval Too Brief)',
    );
  }

  /**
   * After a network change: learns the address traffic leaves from now and the SIP socket's new
   * mapping, and points Contact at it once no REGISTER is in flight (the Contact changes only
   * between transactions). False when there is no route toward the registrar (yet).
   */
  async relearnNetwork(): Promise<boolean> {
    if (this.stopped) return false;
    const bound = this.endpoint.bound.address;
    const gone = bound !== '0.0.0.0' && !addressPresent(bound);
    let localAddress: string;
    try {
      localAddress =
        bound !== '0.0.0.0' && !gone
          ? bound
          : await localAddressToward(this.serverAddress.address, this.serverAddress.port);
      if (gone) await this.rebind(localAddress);
    } catch {
      return false;
    }
    const moved = localAddress !== this.localAddress;
    this.localAddress = localAddress;
    this.nat.forgetNetwork(localAddress, this.endpoint);
    // A TCP/TLS connection from an address gone or left behind carries nothing any more.
    if (moved && 'reconnectNow' in this.transport)
      this.transport.reconnectNow('the network changed');
    await Promise.all([this.nat.check(), this.registerIdle(4000)]);
    this.delegate.onNatStatus();
    if (this.stopped) return false;
    setContactAddress(this.userAgent, this.nat.status.contact ?? this.nat.status.local);
    return true;
  }

  /**
   * Moves SIP to a socket on `address`, the same port if it is free there: a socket bound to an
   * address the machine no longer has can send nothing.
   */
  private async rebind(address: string): Promise<void> {
    const port = this.endpoint.bound.port;
    const next = await UdpEndpoint.bind({ address, port, role: 'sip' }).catch(() =>
      UdpEndpoint.bind({ address, role: 'sip' }),
    );
    const previous = this.socket;
    this.socket = next;
    if ('useEndpoint' in this.transport) this.transport.useEndpoint(next);
    this.delegate.log?.('info', `SIP socket moved to ${address}:${next.bound.port}`);
    await previous.close();
  }

  /** Registers again now rather than at the next refresh: the Contact or the path changed. */
  registerAgain(): Promise<Registration> {
    if (this.stopped) return Promise.resolve(this.registration);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    return this.register();
  }

  /**
   * Resolves once no REGISTER awaits its final response, or after `boundMs`. One in flight when
   * the network changes still completes: our transport retransmits it over the new route.
   */
  private registerIdle(boundMs: number): Promise<void> {
    // sip.js keeps `waiting` private, though it refuses a REGISTER while it is true.
    const registerer = this.registerer as unknown as {
      waiting: boolean;
      waitingChange: {
        addListener(listener: (waiting: boolean) => void, options: { once: boolean }): void;
      };
    } | null;
    if (!registerer?.waiting) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, boundMs);
      // The next change of a waiting registerer is to not waiting.
      registerer.waitingChange.addListener(
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  /**
   * The SIP connection dropped and is up again: the registrar's binding points at the old one,
   * through which no incoming call reaches us any more, so register again at once.
   */
  onReconnected(): void {
    if (this.stopped) return;
    this.contactRewrites = 0;
    this.delegate.onNatStatus();
    void this.registerAgain();
  }

  /** The transport saw a 2xx to REGISTER go by: sip.js should now accept it. */
  onRegisterSuccess(): void {
    this.registerSuccessSeen?.();
  }

  /** Unregisters (expires 0), once, waiting at most 2 s for the registrar's answer. */
  unregister(): Promise<void> {
    this.unregistering ??= (async () => {
      // Stopped first: the registerer's move to Unregistered must not read as a lapse to retry.
      this.stopped = true;
      this.stopKeepalive();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      const registerer = this.registerer;
      if (registerer && registerer.state === RegistererState.Registered) {
        const unregistered = registerer
          .unregister()
          .then(() => waitForUnregistered(registerer))
          .catch(() => undefined);
        await Promise.race([unregistered, delay(2000)]);
      }
    })();
    return this.unregistering;
  }

  private unregistering: Promise<void> | null = null;

  /** Unregisters and closes the socket; bounded so quitting never hangs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.unregister();
    // The un-REGISTER above already had its bounded wait; stopping sip.js must not add another.
    await Promise.race([this.userAgent.stop().catch(() => undefined), delay(300)]);
    await this.transport.dispose();
    await this.nat.close();
    await this.endpoint.close();
    this.setRegistration({ state: 'unregistered', expiresAt: null });
  }

  private onRegistererState(state: RegistererState): void {
    if (state === RegistererState.Registered) {
      this.markRegistered();
    } else if (state === RegistererState.Unregistered && this.registration.state === 'registered') {
      // A refresh failed (network gone, registrar restarted): try again later, not in a loop.
      this.setRegistration({
        state: 'failed',
        error: { code: 'refresh', message: 'registration lapsed' },
      });
      this.scheduleRetry();
    }
  }

  private markRegistered(): void {
    const expires = this.account.expiresSeconds ?? this.options.registerExpiresSeconds;
    this.setRegistration({
      state: 'registered',
      contact: this.contactHeader,
      expiresAt: new Date(Date.now() + expires * 1000).toISOString(),
      error: null,
    });
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) void this.register();
    }, 30_000);
  }

  private failForStatus(status: number, phrase: string): Registration {
    if (status === 401 || status === 407) {
      return this.fail(
        'auth-failed',
        'wrong user name or password: the registrar refused our credentials',
      );
    }
    if (status === 403)
      return this.fail('forbidden', `the registrar refused this account (403 ${phrase})`.trim());
    if (status === 404)
      return this.fail('not-found', 'the registrar does not know this user (404)');
    if (status === 408) return this.fail('timeout', 'the registrar did not answer');
    if (!FATAL_REGISTER_STATUS.has(status)) this.scheduleRetry();
    return this.fail('register', `registration refused: ${status} ${phrase}`.trim());
  }

  private fail(code: string, message: string): Registration {
    this.setRegistration({ state: 'failed', error: { code, message }, expiresAt: null });
    return this.registration;
  }

  private setRegistration(patch: Partial<Registration>): void {
    this.registration = { ...this.registration, ...patch };
    this.delegate.onRegistration(this.registration);
  }

  /**
   * Keepalive on the SIP socket toward the registrar: a CRLF pair (what voip.ms's Asterisk and
   * most registrars ignore harmlessly) holds the NAT binding that incoming INVITEs arrive
   * through; a STUN re-check on the same socket notices a changed mapping.
   */
  private startKeepalive(): void {
    const seconds = keepaliveIntervalSeconds(this.options);
    // A TCP/TLS connection carries its own CRLF keepalives (StreamTransport).
    if (this.keepaliveTimer || seconds <= 0 || this.options.sipTransport !== 'udp') return;
    this.keepaliveTimer = setInterval(() => {
      this.endpoint.send('\r\n\r\n', this.serverAddress).catch(() => undefined);
      if (this.nat.mapsContact) void this.recheckMapping();
    }, seconds * 1000);
    this.keepaliveTimer.unref?.();
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  private async recheckMapping(): Promise<void> {
    try {
      await this.nat.check();
    } catch (error) {
      // The next keepalive checks again; a socket closed meanwhile (quitting) needs no word.
      if (!this.endpoint.isClosed) {
        this.delegate.log?.('warn', `NAT re-check failed: ${describeError(error)}`);
      }
      return;
    }
    this.delegate.onNatStatus();
    this.applyContactWhenIdle();
  }

  /**
   * What the registrar saw (Via received/rport of a response to one of our requests). A
   * REGISTER's challenge ends its transaction, and the authorized retry that follows is a new
   * one: it carries the new Contact at once, so the registrar stores the right binding first
   * time. Otherwise the Contact changes once no REGISTER is in flight (RFC 3261 §10.2), so each
   * REGISTER's 200 is judged by the Contact that REGISTER carried.
   */
  private onRegistrarView(seen: TransportAddress, response: ViaReceivedResponse): void {
    this.nat.recordRegistrarView(seen);
    this.delegate.onNatStatus();
    const challenge =
      response.method === 'REGISTER' &&
      (response.statusCode === 401 || response.statusCode === 407);
    if (challenge && this.retargetChallengedRegister()) return;
    this.applyContactWhenIdle();
  }

  /**
   * Points the REGISTER sip.js is about to resend with credentials at the Contact the NAT
   * status asks for. sip.js 0.21 resends the challenged request message itself, Contact
   * included, so that message's Contact header is rewritten here; false when there is nothing
   * to change or the message is not where sip.js 0.21 keeps it.
   */
  private retargetChallengedRegister(): boolean {
    const next = this.nat.status.contact;
    const current = contactAddressOf(this.userAgent);
    const registerer = this.registerer;
    if (!next || !registerer || this.stopped || sameAddress(current, next)) return false;
    const pending = (registerer as unknown as { request?: { extraHeaders?: unknown } }).request;
    const headers = pending?.extraHeaders;
    if (!Array.isArray(headers)) return false;
    const index = headers.findIndex(
      (header) => typeof header === 'string' && /^contact:/i.test(header),
    );
    const hostPort = `@${current.address}:${current.port}`;
    const header = headers[index] as string | undefined;
    if (!header?.includes(hostPort) || !this.allowContactRewrite()) return false;
    headers[index] = header.replace(hostPort, `@${next.address}:${next.port}`);
    setContactAddress(this.userAgent, next);
    this.delegate.log?.(
      'info',
      `the registrar sees us at ${next.address}:${next.port}; registering that Contact`,
    );
    return true;
  }

  /** Re-REGISTERs when the public address the Contact must carry has changed, between REGISTERs. */
  private applyContactWhenIdle(): void {
    const next = this.nat.status.contact;
    if (!next || this.stopped || sameAddress(contactAddressOf(this.userAgent), next)) return;
    // The end of the REGISTER in flight brings us back here (onClientTransactionEnd).
    if (this.transport.hasClientTransaction('REGISTER')) return;
    if (!this.allowContactRewrite()) return;
    setContactAddress(this.userAgent, next);
    this.delegate.log?.(
      'info',
      `public address changed to ${next.address}:${next.port}; re-registering`,
    );
    if (this.registration.state === 'registered' || this.registration.state === 'registering') {
      setTimeout(() => void this.register(), 0);
    }
  }

  /** Guards against a registrar that keeps reporting a different address on every answer. */
  private allowContactRewrite(): boolean {
    if (this.contactRewrites++ < 6) return true;
    this.delegate.log?.('warn', 'the public address keeps changing; Contact left as it is');
    return false;
  }
}

/** The host and port the user agent's Contact carries now. */
function contactAddressOf(userAgent: UserAgent): TransportAddress {
  const { host, port } = userAgent.contact.uri;
  return { address: host, port: port ?? 5060 };
}

/** Points the user agent's Contact at `address` (the public mapping behind NAT). */
function setContactAddress(userAgent: UserAgent, address: TransportAddress): void {
  userAgent.contact.uri.host = address.address;
  userAgent.contact.uri.port = address.port;
}

function waitForUnregistered(registerer: Registerer): Promise<void> {
  if (registerer.state !== RegistererState.Registered) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (state: RegistererState) => {
      if (state !== RegistererState.Registered) {
        registerer.stateChange.removeListener(listener);
        resolve();
      }
    };
    registerer.stateChange.addListener(listener);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Digest responses and passwords never reach a log. */
export function redactSecrets(text: string): string {
  // Header lines as the trace redacts them; credentials quoted mid-line (a log sentence) too.
  return redactSipMessage(text)
    .replace(/\b(response|cnonce|rspauth)([ \t]*=[ \t]*)("[^"]*"|[^\s,;]+)/gi, '$1$2<redacted>')
    .replace(/(password\s*[=:]\s*)\S+/gi, '$1<redacted>');
}

function isRegisterSuccess(message: string): boolean {
  // The status line first: most messages are not 2xx and need no parse.
  if (!message.startsWith('SIP/2.0 2')) return false;
  const view = viewSipMessage(message);
  return view?.kind === 'response' && view.method === 'REGISTER' && view.statusCode < 300;
}

/** The event packages of `Allow-Events` header values (comma lists, case-insensitive tokens). */
export function eventPackagesIn(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}
