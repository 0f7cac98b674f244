/**
 * Several accounts as one phone: one engine per account (each its own registration, SIP socket,
 * keepalive and NAT monitor), and the rules of one phone across them. A command about a call
 * goes to the engine that owns the call; a new call goes to the account asked for (the first by
 * default). Before a call on one line carries audio, the calls on the other lines make room as
 * they would on one line: a connected call is held, an outgoing one still ringing is cancelled.
 * A call ringing on one line while the user talks on another waits (see
 * {@link EngineHooks.otherCalls}).
 */
import { EventEmitter } from 'node:events';
import type { CallInfo, NatStatus, Registration, Voicemail } from '../../src-shared/domain.js';
import { FIRST_ACCOUNT_ID, type AccountStatus } from '../../src-shared/accounts.js';
import type {
  CommandName,
  CommandRequest,
  CommandResponse,
  EventName,
  EventPayload,
} from '../../src-shared/engine-contract.js';
import { totalVoicemail, type Mailbox } from '../../src-shared/voicemail-words.js';
import { EngineFailure } from '../engine/engine-error.js';
import type { NatterEngine } from '../engine/natter-engine.js';

/** What the fleet knows of one account besides its engine. */
export interface LineSettings {
  label: string;
  doNotDisturb: boolean;
  autoAnswerSeconds: number;
}

interface Line extends LineSettings {
  id: string;
  engine: NatterEngine;
  registration: Registration;
  /** The account's mailbox as its provider last reported it. */
  voicemail: Voicemail | null;
  unsubscribe: () => void;
}

/** Fleet events: the engines' own, calls carrying their account, and the account list. */
export interface FleetEvents {
  call: CallInfo;
  dtmfReceived: EventPayload<'dtmfReceived'>;
  error: EventPayload<'error'>;
  /** A far end on any account asking the user to call someone (a REFER). */
  transferRequest: EventPayload<'transferRequest'>;
  accounts: AccountStatus[];
  /** Every account's mailbox as one (see {@link totalVoicemail}), after any account's report. */
  voicemail: Voicemail;
}

const UNREGISTERED: Registration = {
  state: 'unregistered',
  account: null,
  contact: null,
  expiresAt: null,
  error: null,
};

/** States of a call that carries (or is about to carry) audio: it must make room. */
const TALKING: ReadonlySet<CallInfo['state']> = new Set(['connected']);
const DIALLING: ReadonlySet<CallInfo['state']> = new Set(['calling', 'ringing', 'early-media']);

export class AccountFleet {
  private readonly lines = new Map<string, Line>();
  /** Every call not yet ended, as last reported, with its account. */
  private readonly live = new Map<string, CallInfo>();
  /** The account of each call seen, ended ones included (a late hang-up still finds it). */
  private readonly owner = new Map<string, string>();
  private readonly events = new EventEmitter();
  /** Commands that change which call carries audio run one after another, across lines. */
  private switching: Promise<unknown> = Promise.resolve();

  constructor(first: NatterEngine, settings: LineSettings) {
    this.events.on('error', () => undefined);
    this.add(FIRST_ACCOUNT_ID, first, settings);
  }

  /** The first account's engine (the settings' `account`). */
  get first(): NatterEngine {
    return this.lines.get(FIRST_ACCOUNT_ID)!.engine;
  }

  /** Ids of the accounts run now, the first one first. */
  get ids(): string[] {
    return [...this.lines.keys()];
  }

  engineOf(accountId: string): NatterEngine | null {
    return this.lines.get(accountId)?.engine ?? null;
  }

  on<E extends keyof FleetEvents>(event: E, listener: (payload: FleetEvents[E]) => void) {
    this.events.on(event, listener);
    return () => void this.events.off(event, listener);
  }

  /** Runs an engine for an account; its calls and state are the fleet's from now on. */
  add(id: string, engine: NatterEngine, settings: LineSettings): void {
    if (this.lines.has(id)) throw new Error(`account ${id} is already running`);
    const offs = [
      engine.on('call', (call) => this.onCall(id, call)),
      engine.on('registration', (registration) => {
        const line = this.lines.get(id);
        if (line?.engine !== engine) return;
        line.registration = registration;
        this.emitAccounts();
      }),
      engine.on('nat', () => this.emitAccounts()),
      engine.on('voicemail', (voicemail) => {
        const line = this.lines.get(id);
        if (line?.engine !== engine) return;
        line.voicemail = voicemail;
        this.emitAccounts();
        this.emitVoicemail();
      }),
      engine.on('dtmfReceived', (dtmf) => this.events.emit('dtmfReceived', dtmf)),
      engine.on('error', (error) => this.events.emit('error', error)),
      engine.on('transferRequest', (request) => this.events.emit('transferRequest', request)),
    ];
    this.lines.set(id, {
      id,
      engine,
      ...settings,
      registration: UNREGISTERED,
      voicemail: null,
      unsubscribe: () => offs.forEach((off) => off()),
    });
    this.emitAccounts();
  }

  /** The label, DND and auto-answer shown for an account changed. */
  update(id: string, settings: LineSettings): void {
    const line = this.lines.get(id);
    if (!line) return;
    Object.assign(line, settings);
    this.emitAccounts();
  }

  /** Stops an account's engine: its calls end, it unregisters and closes its sockets. */
  async remove(id: string): Promise<void> {
    const line = this.lines.get(id);
    if (!line || id === FIRST_ACCOUNT_ID) return;
    this.lines.delete(id);
    await line.engine.shutdown().catch(() => undefined);
    line.unsubscribe();
    for (const [callId, call] of this.live) if (call.accountId === id) this.live.delete(callId);
    this.emitAccounts();
    if (line.voicemail) this.emitVoicemail();
    this.otherLinesChanged(null);
  }

  statuses(): AccountStatus[] {
    return [...this.lines.values()].map((line) => ({
      id: line.id,
      label: line.label,
      registration: line.registration,
      nat: line.engine.natStatus,
      doNotDisturb: line.doNotDisturb,
      autoAnswerSeconds: line.autoAnswerSeconds,
      voicemail: line.voicemail,
    }));
  }

  /** Each account's mailbox, the first one's first. */
  mailboxes(): Mailbox[] {
    return [...this.lines.values()].map(({ label, voicemail }) => ({ label, voicemail }));
  }

  /**
   * Hands every account's engine a new STUN list (none: STUN off); each checks its NAT again
   * with it. Answers with the first account's NAT status; the others' failures are theirs
   * (their status says so), not the first's.
   */
  async setStunServers(servers: string[]): Promise<CommandResponse<'setStunServers'>> {
    const [first, ...others] = [...this.lines.values()].map((line) => line.engine);
    const rest = Promise.all(
      others.map((engine) => engine.invoke('setStunServers', { servers }).catch(() => undefined)),
    );
    try {
      return await first!.invoke('setStunServers', { servers });
    } finally {
      await rest;
    }
  }

  /** An account's label, for showing which account a call is on; null with one account. */
  labelOf(accountId: string | undefined): string | null {
    if (this.lines.size < 2) return null;
    return this.lines.get(accountId ?? FIRST_ACCOUNT_ID)?.label ?? null;
  }

  /** The live calls on every line but `accountId`'s, for that line's engine to weigh. */
  callsElsewhere(accountId: string): CallInfo[] {
    return [...this.live.values()].filter((call) => call.accountId !== accountId);
  }

  /** Runs a command about one call on the engine that owns it. */
  forCall<C extends CommandName>(
    command: C,
    request: CommandRequest<C> & { callId: string },
  ): Promise<CommandResponse<C>> {
    return this.lineOfCall(request.callId).engine.invoke(command, request);
  }

  /** Places a call from an account (the first by default), making room on the other lines. */
  async call(request: CommandRequest<'call'>): Promise<CallInfo> {
    const { accountId = FIRST_ACCOUNT_ID, target } = request;
    const line = this.lines.get(accountId);
    if (!line) throw new EngineFailure('no-account', 'that account is not set up');
    const call = await this.inTurn(line, 'call', { target }, { makeRoom: true });
    // The engine tells of a new call first with its progress: a hang-up sent before that must
    // already find the call's engine.
    if (!this.owner.has(call.id)) {
      this.owner.set(call.id, accountId);
      if (call.state !== 'ended') this.live.set(call.id, call);
    }
    return call;
  }

  /** Answers a call; with holdOthers, the calls on other lines are held first. */
  answer(request: CommandRequest<'answer'>): Promise<CallInfo> {
    const line = this.lineOfCall(request.callId);
    return this.inTurn(line, 'answer', request, { makeRoom: request.holdOthers === true });
  }

  /** Makes a call the one talked on: the other lines' calls are held first. */
  switchTo(request: CommandRequest<'switchTo'>): Promise<CallInfo> {
    return this.inTurn(this.lineOfCall(request.callId), 'switchTo', request, { makeRoom: true });
  }

  /** Holds a call, or takes it back (which, as switchTo, holds the other lines' calls). */
  hold(request: CommandRequest<'hold'>): Promise<CallInfo> {
    if (!request.hold) return this.switchTo({ callId: request.callId });
    return this.inTurn(this.lineOfCall(request.callId), 'hold', request, { makeRoom: false });
  }

  /** The first account's registration and NAT, every account's mailbox as one, every call. */
  async snapshot(): Promise<CommandResponse<'snapshot'>> {
    const lines = [...this.lines.values()];
    const snapshots = await Promise.all(lines.map((line) => line.engine.invoke('snapshot', {})));
    const first = snapshots[0]!;
    return {
      registration: first.registration,
      nat: first.nat,
      voicemail: totalVoicemail(this.mailboxes()),
      calls: snapshots.flatMap((snapshot, index) =>
        snapshot.calls.map((call) => this.tagged(lines[index]!.id, call)),
      ),
    };
  }

  /**
   * The first account's registration and NAT as its engine sends them; calls, errors and the
   * mailbox from every account.
   */
  onEngineEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
    if (
      event === 'call' ||
      event === 'dtmfReceived' ||
      event === 'error' ||
      event === 'transferRequest' ||
      event === 'voicemail'
    ) {
      return this.on(event as keyof FleetEvents, listener as (payload: unknown) => void);
    }
    return this.first.on(event, listener);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.lines.values()].map((line) => line.engine.shutdown()));
  }

  natOf(accountId: string): NatStatus | null {
    return this.lines.get(accountId)?.engine.natStatus ?? null;
  }

  private lineOfCall(callId: string): Line {
    // A call nobody has seen goes to the first engine, which answers "no call" for it.
    return (
      this.lines.get(this.owner.get(callId) ?? FIRST_ACCOUNT_ID) ??
      this.lines.get(FIRST_ACCOUNT_ID)!
    );
  }

  private tagged(accountId: string, call: CallInfo): CallInfo {
    return { ...call, accountId };
  }

  private onCall(accountId: string, reported: CallInfo): void {
    if (this.lines.get(accountId) === undefined) return;
    const call = this.tagged(accountId, reported);
    this.owner.set(call.id, accountId);
    if (call.state === 'ended') this.live.delete(call.id);
    else this.live.set(call.id, call);
    this.events.emit('call', call);
    this.otherLinesChanged(accountId);
  }

  /** Tells every engine but `changed`'s that a call elsewhere changed. */
  private otherLinesChanged(changed: string | null): void {
    for (const line of this.lines.values()) {
      if (line.id !== changed) line.engine.otherLinesChanged();
    }
  }

  /**
   * Before a call on `accountId` carries audio: every connected call on the other lines is held,
   * and every outgoing one still ringing is cancelled. Returns the calls it held.
   */
  private async makeRoom(accountId: string): Promise<CallInfo[]> {
    const held: CallInfo[] = [];
    for (const call of this.callsElsewhere(accountId)) {
      const engine = this.lineOfCall(call.id).engine;
      if (TALKING.has(call.state)) {
        await engine.invoke('hold', { callId: call.id, hold: true });
        held.push(call);
      } else if (DIALLING.has(call.state) && call.direction === 'outgoing') {
        await engine.invoke('hangup', { callId: call.id });
      }
    }
    return held;
  }

  /**
   * Runs a command that changes which call carries audio on a line's engine, after the one
   * before it (across lines), with the other lines making room first when asked. When the
   * command fails (the caller gave up before the answer, the call was refused), the call held
   * for it is taken back.
   */
  private inTurn<C extends 'call' | 'answer' | 'switchTo' | 'hold'>(
    line: Line,
    command: C,
    request: CommandRequest<C>,
    { makeRoom }: { makeRoom: boolean },
  ): Promise<CallInfo> {
    return this.oneAtATime(async () => {
      const held = makeRoom ? await this.makeRoom(line.id) : [];
      try {
        return this.tagged(line.id, await line.engine.invoke(command, request));
      } catch (error) {
        const previous = held[0];
        if (previous) await this.resume(previous).catch(() => undefined);
        throw error;
      }
    });
  }

  private resume(call: CallInfo): Promise<CallInfo> {
    return this.lineOfCall(call.id).engine.invoke('switchTo', { callId: call.id });
  }

  private oneAtATime<T>(step: () => Promise<T>): Promise<T> {
    const run = this.switching.then(step, step);
    this.switching = run.catch(() => undefined);
    return run;
  }

  private emitAccounts(): void {
    this.events.emit('accounts', this.statuses());
  }

  private emitVoicemail(): void {
    const total = totalVoicemail(this.mailboxes());
    if (total) this.events.emit('voicemail', total);
  }
}
