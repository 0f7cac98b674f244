import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  Invitation,
  Inviter,
  SessionState,
  UserAgent,
  type Core,
  type Session,
  type URI,
} from 'sip.js';
import type {
  CallEndCode,
  CallKeypad,
  CallInfo,
  NatStatus,
  NetworkChange,
  RelayStatus,
  Registration,
  TransportAddress,
} from '../../src-shared/domain.js';
import {
  commandSchemas,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  type EngineApi,
  type EventName,
  type EventPayload,
} from '../../src-shared/engine-contract.js';
import type { AudioSource } from '../media/rtp-session.js';
import { parseAudioSdp } from '../media/sdp.js';
import { AUDIO_FRAME_SAMPLES } from '../../src-shared/audio-format.js';
import { offerRefusal } from '../media/srtp-negotiation.js';
import { reasonForInviteStatus } from '../sip/sip-status.js';
import { CallMedia } from './call-media.js';
import { CallRecord } from './call-record.js';
import { natSettingsOf, resolveEngineOptions, type EngineOptions } from './engine-options.js';
import {
  checkRelay,
  mediaStrategyId,
  natStrategy,
  type NatEnvironment,
  type NatStrategy,
} from '../nat/index.js';
import { describeError, EngineFailure } from './engine-error.js';
import { mediaKeepaliveSeconds } from '../../src-shared/keepalive-interval.js';
import { MidCallRescue, offerAgain } from './mid-call-rescue.js';
import { SipAccount } from './sip-account.js';
import { probeSipServers } from './sip-options-probe.js';
import {
  nearestAnsweringRegistrar,
  registrarWentSilent,
  sameServer,
} from './registrar-failover.js';
import { describeNetworkChange, NetworkChangeWatcher } from './network-change-watcher.js';
import { AnswerConfirmation } from './answer-confirmation.js';
import { callerIdentityOf } from '../sip/invite-admission.js';
import { redirectHeaders, type CallRedirect } from '../sip/call-redirect.js';
import { DND_BUSY_REASON, doNotDisturbAnswer } from './do-not-disturb-answer.js';
import { VoicemailIndicator } from './voicemail-indicator.js';
import { MessageSummarySubscription } from './message-summary-subscription.js';
import { CallConference } from './call-conference.js';
import { CallTransfers } from './call-transfer.js';
import { InfoDtmf, keypadWayOf, type KeypadWay } from './dtmf-info.js';

export interface EngineHooks {
  /** The audio a call sends (a tone in the CLI, the microphone in the app); silence by default. */
  audioSourceFor?(call: CallInfo): AudioSource;
  /** Decoded audio received on a call, 20 ms frames at the link's 16 kHz. */
  onCallAudio?(callId: string, frame: Int16Array): void;
  onTrace?(direction: 'out' | 'in', message: string, peer: TransportAddress): void;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /**
   * The live calls of the phone's other lines (other accounts' engines), so that one phone's
   * rules hold across them: a call there being talked on makes a call here wait, one ringing
   * there makes a new one here busy. Tell the engine of their changes with otherLinesChanged.
   */
  otherCalls?(): CallInfo[];
}

interface CallEntry {
  record: CallRecord;
  session: Session;
  media: CallMedia | null;
  statsTimer: ReturnType<typeof setInterval> | null;
  /** Keypad digits by SIP INFO, both ways. */
  infoDtmf: InfoDtmf;
  rescue?: MidCallRescue;
  /**
   * Being answered with holdOthers: it keeps waiting while the other call is held, so that it
   * does not ring as an ordinary call for the moment between that hold and its own answer.
   */
  answering?: boolean;
  /** An INVITE with Replaces being answered: told as connected only, never as ringing. */
  replacing?: boolean;
  /** An incoming call's: whether the caller acknowledged our answer (see its class). */
  confirmation?: AnswerConfirmation;
  /** Pending auto-answer of a ringing call. */
  autoAnswer?: ReturnType<typeof setTimeout>;
  /** The repeat of a ringing call's 180 (see ringingRefreshSeconds). */
  ringingRefresh?: ReturnType<typeof setInterval>;
  /** What the call sends of its own, the user's audio, as a conference takes it. */
  ownAudio?: AudioSource;
  /** The three-way conference the call is a leg of. */
  conference?: CallConference<CallEntry> | undefined;
  /** Handed to someone else: how the call's end reads, whoever ends the dialog. */
  transferredAs?: [CallEndCode, string];
}

const SILENCE = new Int16Array(AUDIO_FRAME_SAMPLES);
/**
 * How long quitting waits for the answers to its BYEs: with the un-REGISTER beside them and the
 * sockets closed after, quitting stays within 5 s whatever the number of calls.
 */
const QUIT_BYE_WAIT_MS = 3000;
/** Ended calls whose records the engine keeps (see `recentlyEnded`). */
const RECENTLY_ENDED_KEPT = 20;

/**
 * The headless phone: one account, its calls and the NAT status, behind the command/event
 * contract of `src-shared/engine-contract.ts`. The CLI drives it in-process; the Electron main
 * process exposes it over IPC. It never imports Electron.
 */
export class NatterEngine implements EngineApi {
  private readonly events = new EventEmitter();
  private options: EngineOptions;
  private account: SipAccount | null = null;
  private registration: Registration = {
    state: 'unregistered',
    account: null,
    contact: null,
    expiresAt: null,
    error: null,
  };
  /** Calls in progress; an ended call leaves at once (its CallInfo went out with 'call'). */
  private readonly calls = new Map<string, CallEntry>();
  /**
   * The last few ended calls, records only: a hang-up racing the far end's BYE, or the CLI's
   * report, still finds the call it names. Bounded, so a phone that runs for weeks keeps
   * nothing of its thousandth call but what History stored.
   */
  private readonly recentlyEnded = new Map<string, CallRecord>();
  private readonly mediaBySession = new WeakMap<Session, CallMedia>();
  /** What the account registered with, kept so failover can register it elsewhere. */
  private credentials: { account: CommandRequest<'register'>['account']; password: string } | null =
    null;
  private failingOver = false;
  /** The tail of the commands that hold, resume or answer calls, which run one after another. */
  private switching: Promise<unknown> = Promise.resolve();
  private watcher: NetworkChangeWatcher | null = null;
  private networkChange: NetworkChange | null = null;
  /** A change noticed while the previous one is being healed: healed right after it. */
  private pendingChange: string | null = null;
  private healing: Promise<void> | null = null;
  private readonly voicemail = new VoicemailIndicator({
    registrar: () => this.account?.serverAddress ?? { address: '', port: 0 },
    onChange: (voicemail) => this.events.emit('voicemail', voicemail),
    log: (level, message) => this.hooks.log?.(level, message),
  });
  private voicemailSubscription: MessageSummarySubscription | null = null;
  private readonly transfers = new CallTransfers({
    call: (callId) => this.entry(callId),
    callIdOf: (session) => this.entryForSession(session)?.record.id ?? null,
    changed: (callId) => {
      const entry = this.calls.get(callId);
      if (entry) this.emitCall(entry);
    },
    endTransferred: (callId, message, byeAfterMs) =>
      this.endTransferred(callId, message, byeAfterMs),
    placeCall: (uri, label, extraHeaders, onResponse) =>
      this.placeCall(this.requireAccount(), uri, label, extraHeaders, onResponse),
    holdOthers: async (callId) => {
      await this.holdOthers(this.calls.get(callId) ?? null);
    },
    serverHost: () => this.requireAccount().server.host,
    emitTransferRequest: (request) => this.events.emit('transferRequest', request),
    log: (level, message) => this.hooks.log?.(level, message),
  });

  constructor(
    options: Partial<EngineOptions> = {},
    private readonly hooks: EngineHooks = {},
  ) {
    this.options = resolveEngineOptions(options);
    // A listener-less 'error' event would throw; engine errors are reports, not crashes.
    this.events.on('error', () => undefined);
  }

  get engineOptions(): EngineOptions {
    return this.options;
  }

  /** How a call's keypad digits go out now, by the setting and what the call negotiated. */
  keypadWayFor(callId: string): KeypadWay | null {
    const media = this.calls.get(callId)?.media;
    return keypadWayOf(this.options.dtmfMethod, media?.carriesTelephoneEvents);
  }

  /** What a call's screen says of its keypad: null until the call's media is agreed. */
  private keypadOf(media: CallMedia | null | undefined): CallKeypad | null {
    if (!media) return null;
    return keypadWayOf(this.options.dtmfMethod, media.carriesTelephoneEvents) ?? 'none';
  }

  /** Changes settings; what the SIP account uses applies from its next registration. */
  configure(options: Partial<EngineOptions>): void {
    const turnBefore = JSON.stringify(this.options.turn);
    const dtmfBefore = this.options.dtmfMethod;
    this.options = resolveEngineOptions({ ...this.options, ...options });
    this.account?.nat.configure(natSettingsOf(this.options));
    if (JSON.stringify(this.options.turn) !== turnBefore && this.account) {
      void this.refreshTurnStatus();
    }
    // A call's screen says how its digits go: a change made during the call shows at once.
    if (this.options.dtmfMethod !== dtmfBefore) {
      for (const entry of this.calls.values()) {
        if (!entry.media || entry.record.ended) continue;
        entry.record.keypad = this.keypadOf(entry.media);
        this.emitCall(entry);
      }
    }
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  /** Validates the request against the contract, then runs the command. */
  async invoke<C extends CommandName>(
    command: C,
    request: CommandRequest<C>,
  ): Promise<CommandResponse<C>> {
    const schema = commandSchemas[command];
    if (!schema) throw new EngineFailure('unknown-command', `unknown command ${String(command)}`);
    const parsed = schema.request.safeParse(request);
    if (!parsed.success) {
      throw new EngineFailure('bad-request', `invalid ${command} request: ${parsed.error.message}`);
    }
    const handler = this.handlers[command] as (r: unknown) => Promise<CommandResponse<C>>;
    return handler(parsed.data);
  }

  private readonly handlers: {
    [C in CommandName]: (request: CommandRequest<C>) => Promise<CommandResponse<C>>;
  } = {
    register: ({ account, password }) => this.register(account, password),
    unregister: async () => {
      this.credentials = null;
      await this.shutdownAccount();
      return this.registration;
    },
    checkNat: () => this.checkNat(),
    setStunServers: async ({ servers }) => {
      this.options = { ...this.options, stunServers: servers };
      this.account?.nat.configure(natSettingsOf(this.options));
      return this.checkNat();
    },
    call: ({ target }) => this.oneAtATime(() => this.call(target)),
    answer: ({ callId, holdOthers }) =>
      this.oneAtATime(() => this.answer(callId, holdOthers === true)),
    reject: ({ callId }) => this.reject(callId),
    hangup: ({ callId }) => this.hangup(callId),
    hold: ({ callId, hold }) =>
      this.oneAtATime(() => (hold ? this.hold(this.entry(callId), true) : this.switchTo(callId))),
    switchTo: ({ callId }) => this.oneAtATime(() => this.switchTo(callId)),
    conference: ({ callId, withCallId }) =>
      this.oneAtATime(() => this.conference(callId, withCallId)),
    splitConference: ({ callId }) => this.oneAtATime(() => this.splitConference(callId)),
    mute: async ({ callId, mute }) => {
      const entry = this.entry(callId);
      const conference = entry.conference;
      if (conference) {
        // The user falls silent toward both parties, who still hear each other.
        conference.setMuted(mute);
        this.emitCall(conference.otherThan(entry));
        return this.emitCall(entry);
      }
      entry.media?.setMuted(mute);
      entry.record.muted = mute;
      return this.emitCall(entry);
    },
    sendDtmf: async ({ callId, digits }) => {
      const entry = this.entry(callId);
      const way = this.keypadWayFor(callId);
      if (way === null) {
        throw new EngineFailure('dtmf', 'this call cannot carry keypad tones (no telephone-event)');
      }
      if (way === 'sip-info') {
        await entry.infoDtmf.send(digits);
      } else {
        const queued =
          way === 'rfc4733' ? entry.media?.sendDtmf(digits) : entry.media?.sendDtmfInAudio(digits);
        if (!queued) throw new EngineFailure('dtmf', 'no keypad digit to send on this call');
      }
      return entry.record.snapshot();
    },
    transfer: ({ callId, target, consultCallId }) =>
      this.oneAtATime(() => this.transfers.transfer(callId, target, consultCallId)),
    acceptTransfer: ({ callId, accept }) =>
      this.oneAtATime(() => this.transfers.answer(callId, accept)),
    snapshot: async () => ({
      registration: this.registration,
      nat: this.natStatus,
      voicemail: this.voicemail.status,
      calls: [
        ...[...this.recentlyEnded.values()].filter((record) => !this.calls.has(record.id)),
        ...[...this.calls.values()].map((entry) => entry.record),
      ].map((record) => record.snapshot()),
    }),
  };

  /** The NAT strategy a new call's media uses, as the policy picks it for the NAT seen now. */
  private strategyForNextCall(account: SipAccount): NatStrategy {
    const environment = this.natEnvironment(account);
    const id = mediaStrategyId(environment.settings, account.nat.status.natType);
    return natStrategy(id, environment);
  }

  /** Where the strategies run now: after a network change, the account's new side of it. */
  private natEnvironment(account: SipAccount): NatEnvironment {
    return {
      settings: natSettingsOf(this.options),
      localAddress: account.localAddress,
      // The SIP socket's own: it follows the address when the configured one goes away.
      bindAddress: account.endpoint.bound.address,
      log: (level, message) => this.hooks.log?.(level, message),
    };
  }

  /** The NAT status of the SIP socket, or null before an account is opened. */
  get natStatus(): NatStatus | null {
    const status = this.account?.nat.status;
    if (!status) return null;
    return {
      ...status,
      ...(this.options.turn ? { turn: this.turnStatus } : {}),
      ...(this.networkChange ? { networkChange: this.networkChange } : {}),
    };
  }

  private turnStatus: RelayStatus | null = null;

  /** Tries the configured relay on a spare socket, for the NAT panel; never throws. */
  private async refreshTurnStatus(): Promise<void> {
    const turn = this.options.turn;
    if (!turn) {
      this.turnStatus = null;
      return;
    }
    const bindAddress = this.options.localAddress;
    this.turnStatus = await checkRelay(turn, bindAddress === '0.0.0.0' ? {} : { bindAddress });
    this.emitNat();
  }

  /** The Contact header the engine sends now. */
  get contactHeader(): string | null {
    return this.account?.contactHeader ?? null;
  }

  private async register(
    account: CommandRequest<'register'>['account'],
    password: string,
    failover: Registration['failover'] = null,
  ): Promise<Registration> {
    await this.shutdownAccount();
    const credentials = { account, password };
    this.credentials = credentials;
    this.setRegistration({
      state: 'registering',
      account,
      contact: null,
      expiresAt: null,
      error: null,
      failover,
    });
    try {
      this.account = await SipAccount.open(account, password, this.options, {
        onRegistration: (registration) => {
          this.setRegistration(registration);
          // A refresh that went unanswered: the registrar lapsed while we were registered.
          if (registration.error?.code === 'refresh' && this.credentials === credentials) {
            void this.failOver();
          }
        },
        onNatStatus: () => this.emitNat(),
        onInvite: (invitation) => this.onIncoming(invitation),
        busyBecause: () => this.busyBecause(),
        redirectBecause: () => this.redirectBecause(),
        onBusyRefusal: ({ from, reason, redirectedTo }) =>
          this.recordRefused(callerIdentityOf(from), reason, redirectedTo !== undefined),
        onMessageSummary: (body, from) => this.voicemail.report(body, from),
        createMedia: (session) => this.createMedia(session),
        onTrace: (direction, message, peer) => this.hooks.onTrace?.(direction, message, peer),
        log: (level, message) => this.hooks.log?.(level, message),
      });
    } catch (error) {
      const failure =
        error instanceof EngineFailure
          ? error
          : new EngineFailure('register', describeError(error));
      this.setRegistration({
        state: 'failed',
        error: { code: failure.code, message: failure.message },
      });
      return this.registration;
    }
    this.emitNat();
    // The relay is checked beside registration, so the NAT panel can show it from the start.
    void this.refreshTurnStatus();
    this.watchNetwork(this.account);
    const registration = await this.account.register();
    if (registration.state === 'registered') this.subscribeVoicemail(this.account);
    if (!registrarWentSilent(registration)) return registration;
    return (await this.failOver()) ?? registration;
  }

  /**
   * The registrar stopped answering: registers to the nearest server that answers, if the user
   * allowed failover; the configured server itself counts, in case it is back already. Null when
   * failover is off, already under way, or no server answers.
   */
  private async failOver(): Promise<Registration | null> {
    const credentials = this.credentials;
    const candidates = this.options.failoverServers;
    if (!credentials || candidates.length === 0 || this.failingOver) return null;
    this.failingOver = true;
    try {
      const silent = credentials.account.server;
      const bindAddress = this.options.localAddress;
      const next = await nearestAnsweringRegistrar(
        silent,
        [silent, ...candidates],
        probeSipServers,
        {
          ...(bindAddress === '0.0.0.0' ? {} : { localAddress: bindAddress }),
        },
      );
      // The user registered another account meanwhile, or nobody answers: nothing to move to.
      if (!next || this.credentials !== credentials) return null;
      if (sameServer(next, silent)) {
        this.hooks.log?.('info', `${silent} answers again; registering to it`);
        return await this.register(
          credentials.account,
          credentials.password,
          this.registration.failover,
        );
      }
      this.hooks.log?.('warn', `${silent} stopped answering; registering to ${next} instead`);
      return await this.register({ ...credentials.account, server: next }, credentials.password, {
        from: silent,
        to: next,
        at: new Date().toISOString(),
      });
    } finally {
      this.failingOver = false;
    }
  }

  private watchNetwork(account: SipAccount): void {
    if (this.options.networkWatchMs <= 0) return;
    const watcher = new NetworkChangeWatcher({
      server: account.serverAddress,
      pollMs: this.options.networkWatchMs,
      settleMs: 250,
      onChange: (before, after) => void this.networkChanged(describeNetworkChange(before, after)),
    });
    this.watcher = watcher;
    void watcher.start();
  }

  /**
   * The one entry point for "the network changed under us", from the engine's own watcher or
   * from the desktop's wake and online events: learns the new address and mapping, registers
   * again at once, and re-INVITEs every answered call with its new media address. The NAT
   * status says "reconnecting" meanwhile. A change noticed during the healing of another is
   * healed again right after it.
   */
  networkChanged(detail: string): Promise<void> {
    this.pendingChange = detail;
    this.healing ??= (async () => {
      while (this.pendingChange !== null) {
        const next = this.pendingChange;
        this.pendingChange = null;
        await this.healNetworkChange(next).catch((error: unknown) => {
          this.hooks.log?.('warn', `reconnecting after a network change: ${describeError(error)}`);
        });
      }
    })().finally(() => (this.healing = null));
    return this.healing;
  }

  private async healNetworkChange(detail: string): Promise<void> {
    const account = this.account;
    if (!account) return;
    const noticed = Date.now();
    const change: NetworkChange = {
      at: new Date(noticed).toISOString(),
      state: 'reconnecting',
      detail,
      recoveredInMs: null,
    };
    this.networkChange = change;
    this.emitNat();
    this.hooks.log?.('info', `network changed (${detail}); reconnecting`);
    // Without a route the status stays "reconnecting": the network's return is the next change.
    if (!(await account.relearnNetwork())) return;
    const answered = this.liveCalls().filter(
      (entry) => entry.session.state === SessionState.Established && !awaitingAck(entry),
    );
    const [registration] = await Promise.all([
      account.registerAgain(),
      ...answered.map((entry) =>
        this.oneAtATime(() => this.moveCall(entry, account)).catch((error: unknown) => {
          this.hooks.log?.(
            'warn',
            `the call could not follow the network: ${describeError(error)}`,
          );
        }),
      ),
    ]);
    if (this.account !== account || this.networkChange !== change) return;
    const recovered = registration.state === 'registered';
    this.networkChange = {
      ...change,
      state: recovered ? 'recovered' : 'failed',
      recoveredInMs: recovered ? Date.now() - noticed : null,
    };
    this.emitNat();
  }

  /**
   * Tells the far end where the call's media is now: a re-INVITE whose SDP carries the RTP
   * socket's new mapping (RFC 3264 §8) and whose Contact is the account's new one, so that its
   * requests in the dialog (a BYE) reach us too (RFC 3261 §12.2.1.2).
   */
  private async moveCall(entry: CallEntry, account: SipAccount): Promise<void> {
    const { session, media } = entry;
    if (entry.record.ended || session.state !== SessionState.Established || !media) return;
    await media.renew(account.localAddress);
    // sip.js copies the Contact into each session when it is created and has no setter for it.
    (session as unknown as { _contact: string })._contact = account.contactHeader;
    entry.record.contactSent = account.contactHeader;
    await reInvite(session, entry.record.state === 'on-hold');
    this.emitCall(entry);
  }

  private async checkNat(): Promise<NatStatus> {
    if (!this.account) {
      throw new EngineFailure('no-account', 'register an account first (or use `natter nat`)');
    }
    await Promise.all([this.account.nat.check(), this.refreshTurnStatus()]);
    this.emitNat();
    return this.natStatus ?? this.account.nat.status;
  }

  private requireAccount(): SipAccount {
    if (!this.account || this.registration.state !== 'registered') {
      throw new EngineFailure(
        'not-registered',
        'not registered: a call needs a registered account',
      );
    }
    return this.account;
  }

  private createMedia(session: Session): CallMedia {
    const account = this.account;
    if (!account) throw new EngineFailure('no-account', 'the account was closed');
    const media = new CallMedia({
      nat: this.strategyForNextCall(account),
      strategyFor: (id) => natStrategy(id, this.natEnvironment(account)),
      advertiseRtcp: this.options.advertiseRtcp,
      codecs: [...this.options.codecOrder],
      telephoneEventPt: 101,
      keepaliveMs: mediaKeepaliveSeconds(this.options) * 1000,
      mediaEncryption: this.options.mediaEncryption,
      onRelay: (status) => {
        const entry = this.entryForSession(session);
        if (!entry) return;
        entry.record.relay = status;
        if (status.state === 'failed') this.hooks.log?.('warn', status.error ?? 'TURN failed');
        this.emitCall(entry);
      },
      audioSource: () => {
        const entry = this.entryForSession(session);
        const source = entry ? this.hooks.audioSourceFor?.(entry.record.snapshot()) : undefined;
        const frames = source ?? (() => SILENCE);
        const confirmation = entry?.confirmation;
        const own = confirmation ? () => (confirmation.maySendAudio ? frames() : null) : frames;
        if (!entry) return own;
        entry.ownAudio = own;
        return () => entry.conference?.mixer.frameFor(entry.conference.legOf(entry)) ?? own();
      },
      onAudio: (frame) => {
        const entry = this.entryForSession(session);
        if (entry?.conference) entry.conference.mixer.heard(entry.conference.legOf(entry), frame);
        else if (entry) this.hooks.onCallAudio?.(entry.record.id, frame);
      },
      onDtmf: (digit) => {
        const entry = this.entryForSession(session);
        if (entry) this.events.emit('dtmfReceived', { callId: entry.record.id, digit });
      },
      onNegotiated: ({ local, remote, codec, srtp }) => {
        const entry = this.entryForSession(session);
        if (!entry) return;
        entry.record.localMedia = local;
        entry.record.remoteMedia = remote;
        entry.record.codec = codec;
        entry.record.srtp = srtp ?? null;
        entry.record.keypad = this.keypadOf(this.mediaBySession.get(session));
        if (entry.replacing && entry.record.state === 'incoming') return;
        this.emitCall(entry);
      },
    });
    this.mediaBySession.set(session, media);
    const entry = this.entryForSession(session);
    if (entry) entry.media = media;
    return media;
  }

  private entryForSession(session: Session): CallEntry | undefined {
    for (const entry of this.calls.values()) if (entry.session === session) return entry;
    return undefined;
  }

  /**
   * Runs commands that change which call is un-held one after another: two quick clicks must
   * not interleave their re-INVITEs and leave two calls talking at once.
   */
  private oneAtATime<T>(step: () => Promise<T>): Promise<T> {
    const run = this.switching.then(step, step);
    this.switching = run.catch(() => undefined);
    return run;
  }

  /** Calls not yet ended, but for `except`. */
  private liveCalls(except?: CallEntry): CallEntry[] {
    return [...this.calls.values()].filter((entry) => !entry.record.ended && entry !== except);
  }

  /**
   * Makes room for `entry` to carry audio: a connected call is put on hold, and an outgoing
   * call that still rings is cancelled (it could be answered at any moment, and two calls would
   * then talk at once). Returns the calls it put on hold.
   */
  private async holdOthers(entry: CallEntry | null, alsoKept?: CallEntry): Promise<CallEntry[]> {
    const held: CallEntry[] = [];
    for (const other of this.liveCalls(entry ?? undefined)) {
      if (other.record.state === 'on-hold' || other.record.state === 'incoming') continue;
      if (other === alsoKept) continue;
      if (other.session.state === SessionState.Established) {
        await this.hold(other, true);
        held.push(other);
      } else {
        await this.hangup(other.record.id);
      }
    }
    return held;
  }

  private async call(target: string): Promise<CallInfo> {
    const account = this.requireAccount();
    const uri = UserAgent.makeURI(`sip:${target}@${account.server.host}`);
    if (!uri) throw new EngineFailure('bad-target', `"${target}" is not a number we can dial`);
    return this.placeCall(account, uri, target);
  }

  /**
   * Places a call to `uri`; `extraHeaders` and `onResponse` serve a call placed for a transfer
   * (Referred-By, Replaces; its progress NOTIFYed back to who asked for it).
   */
  private async placeCall(
    account: SipAccount,
    uri: URI,
    target: string,
    extraHeaders: string[] = [],
    onResponse?: (status: number, reason: string) => void,
  ): Promise<CallInfo> {
    // A new call while talking on another holds that one, as a desk phone's second line does.
    await this.holdOthers(null);
    const inviter = new Inviter(
      account.userAgent,
      uri,
      extraHeaders.length ? { extraHeaders } : {},
    );
    const record = new CallRecord(randomUUID(), 'outgoing', target, null);
    const entry = this.track(record, inviter);
    record.contactSent = account.contactHeader;
    const report = (response: Core.IncomingResponse) =>
      onResponse?.(response.message.statusCode ?? 0, response.message.reasonPhrase ?? '');
    inviter
      .invite({
        requestDelegate: {
          onProgress: (response) => {
            report(response);
            this.onProgress(entry, response);
          },
          onAccept: (response) => {
            report(response);
            this.onAnswered(entry);
          },
          onReject: (response) => {
            report(response);
            const { statusCode = 0, reasonPhrase = '' } = response.message;
            // sip.js answers for a server that never did (Timer B: 408, a transport error:
            // 503) with a response that carries no Call-ID: the network failed, not the far end.
            if (!response.message.callId) {
              this.finish(entry, 'failed', 'The provider could not be reached: network problem');
              return;
            }
            const reason = reasonForInviteStatus(statusCode, reasonPhrase);
            this.finish(entry, reason.code, reason.message, statusCode);
          },
        },
      })
      .catch((error: unknown) => {
        onResponse?.(500, 'Server Internal Error');
        this.finish(entry, 'failed', `the call could not be placed: ${describeError(error)}`);
      });
    return record.snapshot();
  }

  private onProgress(entry: CallEntry, response: Core.IncomingResponse): void {
    const status = response.message.statusCode ?? 0;
    if (entry.record.ended || entry.record.state === 'connected') return;
    if (status === 183 || (status > 100 && response.message.body)) {
      entry.record.state = 'early-media';
    } else if (status === 180 || status === 181 || status === 182) {
      if (entry.record.state !== 'early-media') entry.record.state = 'ringing';
    } else {
      return;
    }
    this.emitCall(entry);
  }

  private onAnswered(entry: CallEntry): void {
    if (entry.record.ended) return;
    entry.record.state = 'connected';
    // Answered, it waits no more (it kept waiting while the other call was being held).
    entry.record.waiting = false;
    entry.record.answeredAt ??= new Date();
    entry.confirmation?.markAnswered();
    // Before the ACK nothing of ours is sent, so there is no one-way audio to rescue yet.
    if (!awaitingAck(entry)) this.watchForOneWayAudio(entry);
    this.emitCall(entry);
  }

  /**
   * The caller acknowledged our answer: the call is one now. A hold the user asked for meanwhile
   * stayed local (no re-INVITE before the ACK) and is told to the far end now.
   */
  private onConfirmed(entry: CallEntry): void {
    if (entry.record.ended) return;
    this.watchForOneWayAudio(entry);
    if (entry.record.state === 'on-hold') {
      this.oneAtATime(async () => {
        if (entry.record.state === 'on-hold' && entry.session.state === SessionState.Established) {
          await reInvite(entry.session, true);
        }
      }).catch((error: unknown) => {
        this.hooks.log?.(
          'warn',
          `the held call could not be told of the hold: ${describeError(error)}`,
        );
      });
    }
    this.emitCall(entry);
  }

  /** From the answer on, one-way audio is rescued by re-INVITE (see {@link MidCallRescue}). */
  private watchForOneWayAudio(entry: CallEntry): void {
    const media = entry.media;
    const { turn, turnPolicy, stunServers, stunEnabled, rescueOneWayAudio } = this.options;
    if (!rescueOneWayAudio || !media || entry.rescue) return;
    const relay = turnPolicy === 'never' ? null : turn;
    entry.rescue = new MidCallRescue({
      sample: () => {
        const stats = media.stats();
        if (!stats) return null;
        const held = entry.record.state === 'on-hold';
        return { atMs: performance.now(), ...stats, held, rtcp: media.remoteRtcp() };
      },
      advertised: () => entry.record.localMedia,
      available: [
        ...(stunEnabled && stunServers.length > 0 ? (['stun'] as const) : []),
        ...(relay ? (['turn'] as const) : []),
      ],
      reopen: (strategy) => media.reopen(strategy),
      reopenOnNewPorts: (strategy) => media.reopen(strategy, { newPorts: true }),
      // Queued with hold and resume; a call held meanwhile is not taken off hold by the rescue.
      offer: () =>
        this.oneAtATime(async () =>
          entry.record.state === 'on-hold' ? 0 : offerAgain(entry.session),
        ),
      report: (rescue) => {
        entry.record.rescue = rescue;
        this.emitCall(entry);
      },
      ownsCallId: entry.record.direction === 'outgoing',
      log: (level, message) => this.hooks.log?.(level, message),
    });
  }

  /**
   * Why an incoming call gets 486 Busy Here instead of ringing, in the words History shows, or
   * null if it may ring.
   */
  private busyBecause(): string | null {
    if (this.options.doNotDisturb) return DND_BUSY_REASON;
    const ringing =
      this.liveCalls().find((entry) => entry.record.state === 'incoming')?.record ??
      this.otherCalls().find((call) => call.state === 'incoming');
    if (ringing) {
      return ringing.waiting
        ? 'Refused: another call was already waiting'
        : 'Refused: another call was already ringing';
    }
    return null;
  }

  /** Where an incoming call is sent instead of ringing (do not disturb, forwarding), or null. */
  private redirectBecause(): CallRedirect | null {
    const dnd = doNotDisturbAnswer(this.options, this.credentials?.account ?? null);
    return dnd?.status === 302 ? dnd : null;
  }

  private onIncoming(invitation: Invitation): void {
    const replacement = this.transfers.replacement(invitation);
    if (replacement?.action === 'replace') {
      void this.replaceCall(invitation, replacement.callId, replacement.end);
      return;
    }
    if (replacement) {
      invitation.reject({ statusCode: replacement.status }).catch(() => undefined);
      this.hooks.log?.(
        'info',
        `refused an incoming call with Replaces (${replacement.status}): ${replacement.why}`,
      );
      return;
    }
    // Refused before anything is allocated: no RTP socket (sip.js creates the media only when
    // the call is answered) and no tracked call; only its ended record, so that History and the
    // missed-call notice show who tried to call.
    const redirect = this.redirectBecause();
    if (redirect) {
      invitation
        .reject({ statusCode: 302, extraHeaders: redirectHeaders(redirect) })
        .catch(() => undefined);
      const identity = invitation.remoteIdentity;
      const user = identity.uri.user ?? identity.uri.toString();
      this.recordRefused({ user, displayName: identity.displayName }, redirect.reason, true);
      return;
    }
    const busy = this.busyBecause();
    if (busy) {
      invitation.reject({ statusCode: 486 }).catch(() => undefined);
      const identity = invitation.remoteIdentity;
      this.recordRefused(
        { user: identity.uri.user ?? identity.uri.toString(), displayName: identity.displayName },
        busy,
      );
      return;
    }
    // An offer we could never answer is refused at once (488) rather than rung.
    const offer = invitation.request.body;
    if (offer) {
      const parsed = parseAudioSdp(offer);
      const srtpRefusal = parsed.ok ? offerRefusal(parsed, this.options.mediaEncryption) : null;
      if (!parsed.ok || !parsed.codec || srtpRefusal) {
        invitation.reject({ statusCode: 488 }).catch(() => undefined);
        this.hooks.log?.(
          'warn',
          `refused an incoming call: ${parsed.ok ? (srtpRefusal ?? 'no common codec') : parsed.reason}`,
        );
        return;
      }
    }
    const record = this.incomingRecord(invitation);
    record.waiting = this.someoneTalking();
    const entry = this.track(record, invitation);
    entry.confirmation = new AnswerConfirmation(invitation, () => this.onConfirmed(entry));
    // 180 Ringing: the provider plays ringback while the user decides.
    invitation.progress().catch(() => undefined);
    this.repeatRinging(entry, invitation);
    this.emitCall(entry);
    this.scheduleAutoAnswer(entry);
  }

  /**
   * A call that rings for long (a waiting one, most of all) repeats its 180 every
   * ringingRefreshSeconds, as RFC 3261 §13.3.1.1 asks, so that no proxy on the way gives up on
   * it (Kamailio restarts its INVITE timer on each provisional answer). It stops with the ringing.
   */
  private repeatRinging(entry: CallEntry, invitation: Invitation): void {
    const seconds = this.options.ringingRefreshSeconds;
    if (seconds <= 0) return;
    entry.ringingRefresh = setInterval(() => {
      // Answered, declined or cancelled: the ringing is over (an ended call is cleared by finish).
      if (invitation.state !== SessionState.Initial) {
        clearInterval(entry.ringingRefresh);
        return;
      }
      invitation.progress().catch(() => undefined);
    }, seconds * 1000);
    entry.ringingRefresh.unref?.();
  }

  /**
   * Auto-answer: a call that rings (not one waiting behind a call the user is on) is answered
   * after the chosen seconds, unless it waits by then or was answered, declined or given up.
   */
  private scheduleAutoAnswer(entry: CallEntry): void {
    const seconds = this.options.autoAnswerSeconds;
    if (seconds <= 0 || entry.record.waiting) return;
    entry.autoAnswer = setTimeout(() => {
      entry.autoAnswer = undefined;
      if (entry.record.state !== 'incoming' || entry.record.waiting) return;
      this.oneAtATime(() => this.answer(entry.record.id, false)).catch((error: unknown) => {
        this.hooks.log?.('info', `auto-answer did not pick up: ${describeError(error)}`);
      });
    }, seconds * 1000);
    entry.autoAnswer.unref?.();
  }

  /** The live calls on the phone's other lines (none for a phone of one account). */
  private otherCalls(): CallInfo[] {
    return (this.hooks.otherCalls?.() ?? []).filter((call) => call.state !== 'ended');
  }

  /**
   * A call on another line changed: calls ringing here wait, or stop waiting, as one phone's
   * would (see refreshWaiting).
   */
  otherLinesChanged(): void {
    for (const entry of this.liveCalls()) {
      if (entry.record.state !== 'incoming' || entry.answering) continue;
      const waiting = this.someoneTalking(entry);
      if (waiting === entry.record.waiting) continue;
      entry.record.waiting = waiting;
      this.events.emit('call', entry.record.snapshot());
    }
  }

  /**
   * An INVITE with Replaces (RFC 3891 §3) for a call of ours: that call ends (BYE, or CANCEL for
   * our call still ringing) and the new caller takes its place, answered at once, since the user
   * was on the call it replaces (talking, or waiting for the answer).
   */
  private async replaceCall(
    invitation: Invitation,
    replacedId: string,
    end: 'bye' | 'cancel',
  ): Promise<void> {
    // The replaced call is ended here (BYE or CANCEL); sip.js would also BYE it once this call is
    // accepted, which for our call still ringing rejects out of reach (it has no dialog to BYE).
    invitation._replacee = undefined;
    const record = this.incomingRecord(invitation);
    const entry = this.track(record, invitation);
    entry.confirmation = new AnswerConfirmation(invitation, () => this.onConfirmed(entry));
    const who = record.remoteDisplayName ?? record.remote;
    const replaced = end === 'bye' ? 'a call in progress' : 'our call still ringing';
    this.hooks.log?.('info', `an incoming call from ${who} replaces ${replaced}`);
    // Told only once answered: as "incoming" it would ring and notify for a call taken already.
    entry.replacing = true;
    entry.answering = true;
    this.endTransferred(
      replacedId,
      end === 'bye'
        ? `Transferred: ${who} took the call over`
        : `Answered by ${who}, who took the call over`,
    );
    try {
      await this.oneAtATime(() => this.answer(record.id, true));
      entry.replacing = false;
      this.emitCall(entry);
    } catch (error) {
      this.hooks.log?.('warn', `the replacing call could not be answered: ${describeError(error)}`);
      await this.hangup(record.id).catch(() => undefined);
    }
  }

  /**
   * Ends our leg of a call that was handed to someone else: at once in History's words, then a
   * BYE, after `byeAfterMs` if the far end is expected to end the dialog itself.
   */
  private endTransferred(callId: string, message: string, byeAfterMs = 0): void {
    const entry = this.calls.get(callId);
    if (!entry || entry.record.ended) return;
    entry.transferredAs = ['transferred', message];
    // Waiting for the far end's BYE, the call stays up meanwhile; else it has ended for the user.
    if (byeAfterMs === 0 && entry.record.finish('transferred', message)) this.emitCall(entry);
    const bye = () => {
      const { session } = entry;
      if (session instanceof Inviter && session.state === SessionState.Establishing) {
        // Our call still ringing, taken over before its answer (RFC 3891 §3): CANCEL it.
        void session
          .cancel()
          .catch(() => undefined)
          .finally(() => this.finish(entry, 'transferred', message));
        return;
      }
      if (session.state !== SessionState.Established) {
        this.finish(entry, 'transferred', message);
        return;
      }
      void byeAnswered(entry.session).finally(() => this.finish(entry, 'transferred', message));
    };
    if (byeAfterMs > 0) setTimeout(bye, byeAfterMs).unref?.();
    else bye();
  }

  /**
   * A call refused 486 because the phone was busy, or sent on with 302 (`redirected`): only its
   * ended record, for History.
   */
  private recordRefused(
    caller: { user: string; displayName: string | null },
    busy: string,
    redirected = false,
  ): void {
    const answer = redirected ? '302 Moved Temporarily' : '486 Busy Here';
    this.hooks.log?.('info', `answered an incoming call with ${answer}: ${busy}`);
    const refused = new CallRecord(
      randomUUID(),
      'incoming',
      caller.user,
      caller.displayName || null,
    );
    if (redirected) refused.finish('transferred', busy, 302);
    else refused.finish('busy', busy, 486);
    this.events.emit('call', refused.snapshot());
  }

  private incomingRecord(invitation: Invitation): CallRecord {
    const identity = invitation.remoteIdentity;
    return new CallRecord(
      randomUUID(),
      'incoming',
      identity.uri.user ?? identity.uri.toString(),
      identity.displayName || null,
    );
  }

  private track(record: CallRecord, session: Session): CallEntry {
    record.transport = this.options.sipTransport;
    const entry: CallEntry = {
      record,
      session,
      media: this.mediaBySession.get(session) ?? null,
      statsTimer: null,
      infoDtmf: new InfoDtmf(session, {
        onDigit: (digit) => this.events.emit('dtmfReceived', { callId: record.id, digit }),
      }),
    };
    this.calls.set(record.id, entry);
    this.transfers.watch(session);
    session.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        this.onAnswered(entry);
      } else if (state === SessionState.Terminated) {
        // sip.js terminates the session before it hands the final response to our request
        // delegate, whose reason is the precise one: let it run first.
        queueMicrotask(() =>
          this.finish(
            entry,
            ...(entry.media?.refusal ??
              entry.transferredAs ??
              entry.confirmation?.endedBecause() ??
              fallbackEnd(entry.record)),
          ),
        );
      }
    });
    entry.statsTimer = setInterval(() => this.refreshStats(entry), 1000);
    entry.statsTimer.unref?.();
    return entry;
  }

  private refreshStats(entry: CallEntry): void {
    const stats = entry.media?.stats();
    if (stats) {
      entry.record.stats = stats;
      this.emitCall(entry);
    }
  }

  /** Ends a call record once, releasing its media; keeps the first (most precise) reason. */
  private finish(
    entry: CallEntry,
    code: Parameters<CallRecord['finish']>[0],
    message: string,
    status?: number,
  ): void {
    const stats = entry.media?.stats();
    if (stats) entry.record.stats = stats;
    this.endConferenceOf(entry);
    const first = entry.record.finish(code, message, status);
    if (entry.statsTimer) clearInterval(entry.statsTimer);
    entry.statsTimer = null;
    clearTimeout(entry.autoAnswer);
    clearInterval(entry.ringingRefresh);
    entry.rescue?.stop();
    entry.media?.close();
    this.transfers.forget(entry.record.id);
    if (first || entry.record.ended) this.emitCall(entry);
    if (entry.record.ended) this.release(entry);
  }

  /**
   * Forgets an ended call: the engine keeps only its record among the recent few, and sip.js
   * drops its session (and with it the transactions and the request it answered) once the
   * session is terminated, which a session left half-way (a failed INVITE) is brought to here.
   */
  private release(entry: CallEntry): void {
    if (this.calls.get(entry.record.id) !== entry) return;
    this.calls.delete(entry.record.id);
    this.recentlyEnded.set(entry.record.id, entry.record);
    for (const id of this.recentlyEnded.keys()) {
      if (this.recentlyEnded.size <= RECENTLY_ENDED_KEPT) break;
      this.recentlyEnded.delete(id);
    }
    const { session } = entry;
    if (session.state !== SessionState.Terminated && session.state !== SessionState.Terminating) {
      session.dispose().catch(() => undefined);
    }
  }

  /**
   * Whether a call other than `except` is in progress and not on hold: the user is on it. A call
   * whose caller has not acknowledged our answer is none yet: it neither makes the next caller
   * wait nor keeps a plain answer from taking it.
   */
  private someoneTalking(except?: CallEntry): boolean {
    const talking = (state: CallInfo['state']) => state !== 'on-hold' && state !== 'incoming';
    return (
      this.liveCalls(except).some((other) => talking(other.record.state) && !awaitingAck(other)) ||
      this.otherCalls().some((call) => talking(call.state))
    );
  }

  /**
   * A ringing call waits (tone in the current call, answer with holdOthers) exactly while
   * another call is in progress and not on hold; when that call ends or is held, it rings as
   * an ordinary call, and waits again if the user takes a held call back.
   */
  private refreshWaiting(changed: CallEntry): void {
    if (changed.record.state !== 'incoming') this.otherLinesChanged();
  }

  private entry(callId: string): CallEntry {
    const entry = this.calls.get(callId);
    if (!entry) {
      if (this.recentlyEnded.has(callId)) {
        throw new EngineFailure('bad-state', 'this call has ended');
      }
      throw new EngineFailure('no-call', `no call ${callId}`);
    }
    return entry;
  }

  /** The snapshot of a call that ended already, for commands that end calls: nothing to do. */
  private endedSnapshot(callId: string): CallInfo | null {
    return this.calls.has(callId) ? null : (this.recentlyEnded.get(callId)?.snapshot() ?? null);
  }

  private async answer(callId: string, holdOthers: boolean): Promise<CallInfo> {
    const entry = this.entry(callId);
    if (!(entry.session instanceof Invitation) || entry.session.state !== SessionState.Initial) {
      throw new EngineFailure('bad-state', 'this call is not waiting to be answered');
    }
    if (this.someoneTalking(entry) && !holdOthers) {
      throw new EngineFailure(
        'call-in-progress',
        'another call is in progress: answer with holdOthers to put it on hold first',
      );
    }
    const session = entry.session;
    entry.answering = true;
    try {
      // A refused hold throws here, and the waiting call keeps ringing.
      const held = await this.holdOthers(entry);
      entry.record.contactSent = this.account?.contactHeader ?? null;
      try {
        await session.accept();
      } catch (error) {
        // The caller gave up while the other call was being held: back to that call.
        const previous = held.find((other) => other.session.state === SessionState.Established);
        if (previous) await this.hold(previous, false).catch(() => undefined);
        throw error;
      }
    } finally {
      entry.answering = false;
    }
    entry.record.waiting = false;
    return entry.record.snapshot();
  }

  private async reject(callId: string): Promise<CallInfo> {
    const ended = this.endedSnapshot(callId);
    if (ended) return ended;
    const entry = this.entry(callId);
    if (entry.session instanceof Invitation && entry.session.state === SessionState.Initial) {
      // Ended before the 486 goes out: the session's own end would read as a missed call.
      if (entry.record.finish('rejected', 'You declined the call')) this.emitCall(entry);
      try {
        await entry.session.reject({ statusCode: 486 });
      } finally {
        this.finish(entry, 'rejected', 'You declined the call');
      }
    }
    return entry.record.snapshot();
  }

  private async hangup(callId: string, byeWaitMs?: number): Promise<CallInfo> {
    const ended = this.endedSnapshot(callId);
    if (ended) return ended;
    const entry = this.entry(callId);
    const { session } = entry;
    this.endConferenceOf(entry);
    if (entry.record.finish('hangup-local', 'You hung up')) this.emitCall(entry);
    try {
      if (awaitingAck(entry)) {
        // sip.js sends this BYE once the ACK comes or the 200's retransmissions end (RFC 3261
        // §15): nothing to wait for here, the call has ended for the user.
        session.bye().catch(() => undefined);
      } else if (session.state === SessionState.Established) {
        await byeAnswered(session, byeWaitMs);
      } else if (session instanceof Inviter && session.state !== SessionState.Terminated) {
        await session.cancel();
      } else if (session instanceof Invitation && session.state === SessionState.Initial) {
        await session.reject({ statusCode: 486 });
      }
    } finally {
      this.finish(entry, 'hangup-local', 'You hung up');
    }
    return entry.record.snapshot();
  }

  /** Holds every other connected call, then resumes this one if it was held. */
  private async switchTo(callId: string): Promise<CallInfo> {
    const entry = this.entry(callId);
    if (entry.session.state !== SessionState.Established) {
      throw new EngineFailure('bad-state', 'only a connected call can be switched to');
    }
    await this.holdOthers(entry);
    if (entry.record.state === 'on-hold') return this.hold(entry, false);
    return entry.record.snapshot();
  }

  /**
   * Puts one call on hold or takes it off by re-INVITE (RFC 3264 §8.4: a=sendonly, a=sendrecv).
   * A conference leg put on hold leaves the conference; the other leg stays the user's call.
   */
  private async hold(entry: CallEntry, hold: boolean): Promise<CallInfo> {
    if (entry.session.state !== SessionState.Established) {
      throw new EngineFailure('bad-state', 'only a connected call can be put on hold');
    }
    const conference = hold ? entry.conference : undefined;
    if (conference) this.leaveConference(conference);
    try {
      // Before the caller's ACK the dialog carries no re-INVITE: held here, told on the ACK.
      if (!awaitingAck(entry)) await reInvite(entry.session, hold);
    } catch (error) {
      if (conference) this.joinConference(conference);
      throw error;
    }
    entry.record.state = hold ? 'on-hold' : 'connected';
    const info = this.emitCall(entry);
    if (conference) this.emitCall(conference.otherThan(entry));
    return info;
  }

  /**
   * Merges two connected calls: any third call is held, the legs join the conference (so the
   * audio router sees them as one), and a held leg is resumed. If a resume is refused, the calls
   * are left as they were before the merge.
   */
  private async conference(callId: string, withCallId: string): Promise<CallInfo> {
    if (callId === withCallId) {
      throw new EngineFailure('bad-request', 'a call cannot be merged with itself');
    }
    const first = this.entry(callId);
    const second = this.entry(withCallId);
    for (const leg of [first, second]) {
      if (leg.session.state !== SessionState.Established || awaitingAck(leg)) {
        throw new EngineFailure('bad-state', 'only two connected calls can be merged');
      }
      if (leg.conference) {
        throw new EngineFailure('bad-state', 'this call is already in a conference');
      }
    }
    await this.holdOthers(first, second);
    const conference = new CallConference(first, second, {
      userSource: () => first.ownAudio?.() ?? null,
      onUserAudio: (frame) => this.hooks.onCallAudio?.(first.record.id, frame),
    });
    this.joinConference(conference);
    this.emitCall(second);
    this.emitCall(first);
    try {
      for (const leg of [first, second]) {
        if (leg.record.state === 'on-hold') await this.hold(leg, false);
      }
    } catch (error) {
      this.leaveConference(conference);
      this.emitCall(second);
      this.emitCall(first);
      throw error;
    }
    this.hooks.log?.('info', 'two calls merged into a conference');
    return first.record.snapshot();
  }

  /** Splits a conference: `callId` stays the user's call and the other leg is held. */
  private async splitConference(callId: string): Promise<CallInfo> {
    const entry = this.entry(callId);
    const conference = entry.conference;
    if (!conference) throw new EngineFailure('bad-state', 'this call is not in a conference');
    await this.hold(conference.otherThan(entry), true);
    return entry.record.snapshot();
  }

  private joinConference(conference: CallConference<CallEntry>): void {
    conference.join();
    conference.first.conference = conference;
    conference.second.conference = conference;
  }

  /** A leg that ends leaves its conference: the other stays connected to the user, on its own. */
  private endConferenceOf(entry: CallEntry): void {
    const conference = entry.conference;
    if (!conference) return;
    this.leaveConference(conference);
    this.emitCall(conference.otherThan(entry));
  }

  private leaveConference(conference: CallConference<CallEntry>): void {
    conference.leave();
    conference.first.conference = undefined;
    conference.second.conference = undefined;
  }

  /** Hangs up every call, unregisters and closes sockets. */
  async shutdown(): Promise<void> {
    await this.shutdownAccount();
  }

  /**
   * Subscribes to the account's mailbox (RFC 3842) where the registrar says it takes such a
   * subscription (`Allow-Events: message-summary` in its answer to REGISTER), unless the options
   * turn that off. A registrar that does not say so is not asked: Asterisk-based providers
   * send the count unasked, and a SUBSCRIBE to a server without the package is a transaction
   * it must refuse or leave unanswered every half hour.
   */
  private subscribeVoicemail(account: SipAccount): void {
    if (this.options.voicemailSubscribeSeconds <= 0) return;
    if (!account.registrarAllowsEvent('message-summary')) return;
    this.voicemailSubscription = new MessageSummarySubscription({
      userAgent: account.userAgent,
      target: account.userAgent.configuration.uri,
      expiresSeconds: this.options.voicemailSubscribeSeconds,
      retrySeconds: this.options.voicemailRetrySeconds,
      log: (level, message) => this.hooks.log?.(level, message),
    });
    this.voicemailSubscription.start();
  }

  private async shutdownAccount(): Promise<void> {
    const subscription = this.voicemailSubscription;
    this.voicemailSubscription = null;
    await subscription?.stop();
    this.watcher?.stop();
    this.watcher = null;
    this.networkChange = null;
    const account = this.account;
    // Every call is ended at once (a BYE, CANCEL or 486 each, all sent together) beside the
    // un-REGISTER, and their bounded waits for answers run side by side: quitting with four
    // hundred calls takes as long as quitting with one.
    await Promise.all([
      ...this.liveCalls().map((entry) =>
        this.hangup(entry.record.id, QUIT_BYE_WAIT_MS).catch(() => undefined),
      ),
      account?.unregister(),
    ]);
    this.account = null;
    if (account) await account.close();
  }

  private setRegistration(patch: Partial<Registration>): void {
    this.registration = { ...this.registration, ...patch };
    this.events.emit('registration', this.registration);
  }

  private emitNat(): void {
    const status = this.natStatus;
    if (status) this.events.emit('nat', status);
  }

  private emitCall(entry: CallEntry): CallInfo {
    const info = entry.record.snapshot();
    this.events.emit('call', info);
    this.refreshWaiting(entry);
    return info;
  }

  /** The Contact header a call carried (for diagnostics and the CLI's report). */
  contactSentFor(callId: string): string | null {
    const record = this.calls.get(callId)?.record ?? this.recentlyEnded.get(callId);
    return record?.contactSent ?? null;
  }
}

/**
 * Sends BYE and waits, bounded, for its answer: quitting right after a hang-up must not abandon
 * a BYE that the network lost, or the provider keeps the call (and bills it) until it times out.
 * Our transport retransmits it meanwhile (Timer E).
 */
function byeAnswered(session: Session, boundMs = 4000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, boundMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    session.bye({ requestDelegate: { onAccept: done, onReject: done } }).catch(done);
  });
}

/** Sends a re-INVITE offering our media as it is now, held or not (RFC 3264 §8.4). */
function reInvite(session: Session, hold: boolean): Promise<void> {
  session.sessionDescriptionHandlerOptionsReInvite = { hold } as object;
  return new Promise<void>((resolve, reject) => {
    session
      .invite({
        requestDelegate: {
          onAccept: () => resolve(),
          onReject: (response) =>
            reject(
              new EngineFailure('hold', `the provider refused: ${response.message.statusCode}`),
            ),
        },
      })
      .catch(reject);
  });
}

/** An incoming call answered with 200 whose caller has not sent the ACK yet. */
function awaitingAck(entry: CallEntry): boolean {
  return entry.confirmation?.awaitingAck === true;
}

/** Why a call ended when no final response or local action said so. */
function fallbackEnd(record: CallRecord): [CallEndCode, string] {
  if (record.answeredAt) return ['hangup-remote', 'The other side hung up'];
  if (record.direction === 'incoming') return ['cancelled', 'Missed call: the caller hung up'];
  return ['failed', 'The call ended before it was answered'];
}
