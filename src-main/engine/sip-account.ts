import {
  Registerer,
  RegistererState,
  UserAgent,
  type Invitation,
  type LogLevel,
  type Session,
} from 'sip.js';
import type { Account, Registration, TransportAddress } from '../../src-shared/domain.js';
import { UdpEndpoint, localAddressToward } from '../net/udp-endpoint.js';
import { RtpSessionDescriptionHandler } from '../sip/rtp-session-description-handler.js';
import type { CallMediaPort } from '../sip/call-media-port.js';
import { UdpTransport } from '../sip/udp-transport.js';
import { natSettingsOf, type EngineOptions } from './engine-options.js';
import { viewSipMessage } from '../sip/sip-message-view.js';
import { EngineFailure } from './engine-error.js';
import { NatMonitor, sameAddress } from './nat-monitor.js';
import { parseServerSpec, resolveServer, type ServerSpec } from './server-address.js';

export interface SipAccountDelegate {
  onRegistration(registration: Registration): void;
  onNatStatus(): void;
  onInvite(invitation: Invitation): void;
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
  private stopped = false;
  /** Guards against a registrar that keeps reporting a different address on every answer. */
  private contactRewrites = 0;

  private constructor(
    readonly account: Account,
    readonly server: ServerSpec,
    readonly serverAddress: TransportAddress,
    readonly endpoint: UdpEndpoint,
    readonly localAddress: string,
    readonly userAgent: UserAgent,
    readonly transport: UdpTransport,
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
    const server = parseServerSpec(account.server);
    const serverAddress = await resolveServer(server);
    let endpoint: UdpEndpoint;
    try {
      endpoint = await UdpEndpoint.bind({
        address: options.localAddress,
        port: options.localSipPort,
        role: 'sip',
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new EngineFailure('socket', `cannot open the SIP socket: ${detail}`);
    }
    try {
      const localAddress =
        options.localAddress !== '0.0.0.0'
          ? options.localAddress
          : await localAddressToward(serverAddress.address, serverAddress.port);
      const nat = new NatMonitor(endpoint, {
        nat: natSettingsOf(options),
        keepaliveSeconds: options.keepaliveSeconds,
        localAddress,
        log: (level, message) => delegate.log?.(level, message),
      });
      await nat.check();
      const contact = nat.status.contact ?? nat.status.local;
      // sip.js constructs the transport itself; these hold what it built and the account that
      // the transport's callbacks report to once it exists.
      const created: { transport?: UdpTransport; account?: SipAccount } = {};
      const transportOptions = {
        endpoint,
        server: serverAddress,
        timers: options.sipTimers,
        acceptRequestsFromServerOnly: options.acceptRequestsFromServerOnly,
        onTrace: (direction: 'out' | 'in', message: string, peer: TransportAddress) => {
          if (direction === 'in' && isRegisterSuccess(message))
            created.account?.onRegisterSuccess();
          delegate.onTrace?.(direction, message, peer);
        },
        onViaReceived: (seen: TransportAddress) => created.account?.onRegistrarView(seen),
      };
      const aor = UserAgent.makeURI(`sip:${account.user}@${server.host}`);
      if (!aor) throw new EngineFailure('bad-user', `"${account.user}" is not a valid SIP user`);
      const userAgent = new UserAgent({
        uri: aor,
        authorizationUsername: account.user,
        authorizationPassword: password,
        displayName: account.displayName ?? '',
        // Via sent-by without a port (sip.js drops responses whose Via carries one); rport
        // makes the registrar answer to the address it saw, RFC 3581.
        viaHost: contact.address,
        forceRport: true,
        contactName: account.user,
        contactParams: { transport: 'udp' },
        userAgentString: options.userAgentString,
        // The engine sends 180 itself, after checking the offer: an INVITE it can only refuse
        // (488) must not ring at the caller's end first.
        sendInitialProvisionalResponse: false,
        logBuiltinEnabled: false,
        logLevel: 'warn' as LogLevel,
        logConnector: (level, category, _label, content) => {
          if (level === 'warn' || level === 'error') {
            delegate.log?.(level, `${category}: ${redactSecrets(content)}`);
          }
        },
        transportConstructor: class extends UdpTransport {
          constructor(logger: unknown) {
            super(logger, transportOptions);
            created.transport = this as UdpTransport;
          }
        },
        sessionDescriptionHandlerFactory: (session) =>
          new RtpSessionDescriptionHandler(delegate.createMedia(session)),
        delegate: { onInvite: (invitation) => delegate.onInvite(invitation) },
      });
      setContactAddress(userAgent, contact);
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
      const guard = setTimeout(
        () => settle(this.fail('timeout', 'the registrar did not answer')),
        64 * this.options.sipTimers.t1 + 2000,
      );
      registerer
        .register({
          requestDelegate: {
            onAccept: () => {
              this.startKeepalive();
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

  /** The transport saw a 2xx to REGISTER go by: sip.js should now accept it. */
  onRegisterSuccess(): void {
    this.registerSuccessSeen?.();
  }

  /** Unregisters (expires 0) and closes the socket; bounded so quitting never hangs. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopKeepalive();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const registerer = this.registerer;
    if (registerer && registerer.state === RegistererState.Registered) {
      const unregistered = registerer
        .unregister()
        .then(() => waitForUnregistered(registerer))
        .catch(() => undefined);
      await Promise.race([unregistered, delay(2000)]);
    }
    // The un-REGISTER above already had its bounded wait; stopping sip.js must not add another.
    await Promise.race([this.userAgent.stop().catch(() => undefined), delay(300)]);
    await this.transport.dispose();
    await this.nat.close();
    await this.endpoint.close();
    this.setRegistration({ state: 'unregistered', expiresAt: null });
  }

  private onRegistererState(state: RegistererState): void {
    if (state === RegistererState.Registered) {
      const expires = this.account.expiresSeconds ?? this.options.registerExpiresSeconds;
      this.setRegistration({
        state: 'registered',
        contact: this.contactHeader,
        expiresAt: new Date(Date.now() + expires * 1000).toISOString(),
        error: null,
      });
    } else if (state === RegistererState.Unregistered && this.registration.state === 'registered') {
      // A refresh failed (network gone, registrar restarted): try again later, not in a loop.
      this.setRegistration({
        state: 'failed',
        error: { code: 'refresh', message: 'registration lapsed' },
      });
      this.scheduleRetry();
    }
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
    if (this.keepaliveTimer || this.options.keepaliveSeconds <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      this.endpoint.send('\r\n\r\n', this.serverAddress).catch(() => undefined);
      if (this.nat.mapsContact) void this.recheckMapping();
    }, this.options.keepaliveSeconds * 1000);
    this.keepaliveTimer.unref?.();
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  private async recheckMapping(): Promise<void> {
    const before = this.nat.status.contact;
    await this.nat.check();
    this.delegate.onNatStatus();
    this.applyContactIfChanged(before);
  }

  private onRegistrarView(seen: TransportAddress): void {
    const before = this.nat.status.contact;
    const changed = this.nat.recordRegistrarView(seen);
    this.delegate.onNatStatus();
    if (changed) this.applyContactIfChanged(before);
  }

  /** Re-REGISTERs when the public address the Contact must carry has changed. */
  private applyContactIfChanged(before: TransportAddress | null): void {
    const next = this.nat.status.contact;
    if (!next || sameAddress(before, next) || this.stopped) return;
    if (this.contactRewrites++ > 5) {
      this.delegate.log?.('warn', 'the public address keeps changing; Contact left as it is');
      return;
    }
    setContactAddress(this.userAgent, next);
    this.delegate.log?.(
      'info',
      `public address changed to ${next.address}:${next.port}; re-registering`,
    );
    if (this.registration.state === 'registered' || this.registration.state === 'registering') {
      setTimeout(() => void this.register(), 0);
    }
  }
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
  return text
    .replace(/(Authorization:\s*Digest\s[^\r\n]*?response=")[^"]*"/gi, '$1<redacted>"')
    .replace(/(password\s*[=:]\s*)\S+/gi, '$1<redacted>');
}

function isRegisterSuccess(message: string): boolean {
  // The status line first: most messages are not 2xx and need no parse.
  if (!message.startsWith('SIP/2.0 2')) return false;
  const view = viewSipMessage(message);
  return view?.kind === 'response' && view.method === 'REGISTER' && view.statusCode < 300;
}
