/**
 * The app's side of the IPC contract, with no Electron in it: engine commands pass through, and
 * settings are stored and applied (switching the STUN server re-checks the NAT at once; a saved
 * account and password register). The NAT doctor runs beside the engine, and the engine's SIP
 * messages are kept for the trace view. The Electron shell and the end-to-end test bridge both
 * serve the renderer with this.
 */
import { EventEmitter } from 'node:events';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from '../engine/engine-options.js';
import { keepaliveIntervalSeconds } from '../../src-shared/keepalive-interval.js';
import { NatterEngine, type EngineHooks } from '../engine/natter-engine.js';
import { probeSipServers, type SipProbeOptions } from '../engine/sip-options-probe.js';
import { testStunServer, type StunServerTestOptions } from '../nat/index.js';
import {
  isVoipmsServer,
  VOIPMS_SERVERS,
  type Settings,
  type SettingsUpdate,
} from '../../src-shared/settings.js';
import {
  isAppEventName,
  type AppEventName,
  type BridgeEventName,
  type BridgeEventPayload,
} from '../../src-shared/ipc-contract.js';
import type { CallInfo } from '../../src-shared/domain.js';
import type {
  CommandName,
  CommandRequest,
  CommandResponse,
  EventName,
  EventPayload,
} from '../../src-shared/engine-contract.js';
import type { InvokeHandlers } from './ipc-router.js';
import type { CallHistoryStore } from '../storage/call-history-store.js';
import type { SettingsStore } from '../storage/settings-store.js';
import { ContactsStore } from '../storage/contacts-store.js';
import { contactHandlers } from './contact-handlers.js';
import { RendererAudioRouter } from './renderer-audio-router.js';
import { createDoctorRunner, type DoctorRunnerDeps } from './doctor-runner.js';
import { SipTrace } from './sip-trace.js';
import { checkCaFile } from './ca-file-check.js';
import { createRecordingService } from './recording/recording-service.js';
import type { RecordingDesktop } from './recording/recording-desktop.js';
import { AccountFleet } from './account-fleet.js';
import { MoreAccountsRunner } from './more-accounts.js';
import { historyExport } from './history-export.js';
import {
  accountSettingOf,
  FIRST_ACCOUNT_ID,
  firstAccountLabel,
} from '../../src-shared/accounts.js';
import { doNotDisturbForwardOf } from '../../src-shared/do-not-disturb.js';

export interface AppService {
  /** The first account's engine. */
  engine: NatterEngine;
  /** Every account's engine, the first one's included, as one phone. */
  fleet: AccountFleet;
  /** Carries the active call's audio to and from the renderer's devices. */
  audio: RendererAudioRouter;
  handlers: InvokeHandlers;
  /** The engine's last SIP messages, redacted. */
  trace: SipTrace;
  /** Every event the renderer may receive: the engine's and the app's own (doctor steps). */
  on<E extends BridgeEventName>(
    event: E,
    listener: (payload: BridgeEventPayload<E>) => void,
  ): () => void;
  /** Registers with the stored account, if there is one with a password. */
  start(): Promise<void>;
  /**
   * After a sleep or a network change: registers again at once (a fresh socket, so a fresh NAT
   * mapping) and re-checks the NAT; during a call only the NAT. Calls made while one runs share
   * it.
   */
  reconnect(): Promise<void>;
  /** Called with the settings after every save (from the page, the tray or the doctor's fix). */
  onSettingsSaved(listener: (settings: Settings) => void): () => void;
  /**
   * Do not disturb on every account, or off on every one, each keeping what its callers get
   * meanwhile (busy or forwarded): the tray's switch.
   */
  setDoNotDisturbEverywhere(on: boolean): Promise<Settings>;
  stop(): Promise<void>;
}

/** Bounds of the settings page's network tests; tests shorten them. */
export interface SettingsProbeOptions {
  stunTest?: StunServerTestOptions;
  serverProbe?: SipProbeOptions;
  /** A stand-in doctor, or shorter test calls, for tests. */
  doctor?: Pick<DoctorRunnerDeps, 'run' | 'timings'>;
}

/** What the app service is made of; only the settings and the call history are required. */
export interface AppServiceParts {
  store: SettingsStore;
  history: CallHistoryStore;
  /** The engines' hooks (logs, SIP trace, audio) beside the app's own. */
  hooks?: EngineHooks;
  probes?: SettingsProbeOptions;
  /** The address book; without one the book is kept in memory only. */
  contacts?: ContactsStore;
  /** The native folder dialog and file manager for recordings; none: they are refused. */
  desktop?: RecordingDesktop | null;
}

export function createAppService({
  store,
  history,
  hooks = {},
  probes = {},
  contacts = new ContactsStore(null),
  desktop = null,
}: AppServiceParts): AppService {
  const audio = new RendererAudioRouter();
  const recordings = createRecordingService({ store, desktop, audio, history });
  const audioHooks = audio.hooks();
  const trace = new SipTrace();
  const appEvents = new EventEmitter();
  /** Every save reaches the page (the `settings` event) and main's own listeners alike. */
  const announceSaved = (settings: Settings) => appEvents.emit('settings', settings);
  let reconnecting: Promise<void> | null = null;
  /** The relay the settings name, with its password from the encrypted store; or none. */
  const turnOf = (settings: Settings) => {
    const password = store.turnPassword();
    return settings.turnServer && settings.turnUser && password
      ? { server: settings.turnServer, username: settings.turnUser, password }
      : null;
  };
  /** The STUN servers the engine asks: none while STUN is switched off (the list is kept). */
  const stunServersOf = (settings: Settings) => (settings.stunEnabled ? settings.stunServers : []);
  const engineOptionsOf = (settings: Settings) => ({
    stunServers: stunServersOf(settings),
    keepaliveSeconds: settings.keepaliveSeconds,
    bindingLifetimeSeconds: settings.bindingLifetimeSeconds,
    turn: turnOf(settings),
    turnPolicy: settings.turnPolicy,
    doNotDisturb: settings.doNotDisturb,
    autoAnswerSeconds: settings.autoAnswerSeconds,
    dtmfMethod: settings.dtmfMethod,
    failoverServers:
      settings.registrarFailover && settings.account && isVoipmsServer(settings.account.server)
        ? [...VOIPMS_SERVERS]
        : [],
    sipTransport: settings.sipTransport,
    tlsCaFile: settings.tlsCaFile,
    mediaEncryption: settings.mediaEncryption,
    codecOrder: settings.codecOrder,
    doNotDisturbForwardTo: doNotDisturbForwardOf(settings),
  });
  const engineFor = (accountId: string, options: Partial<EngineOptions>) =>
    new NatterEngine(options, {
      ...hooks,
      otherCalls: () => fleet.callsElsewhere(accountId),
      audioSourceFor: hooks.audioSourceFor ?? audioHooks.audioSourceFor,
      onCallAudio: (callId, frame) => {
        audioHooks.onCallAudio(callId, frame);
        hooks.onCallAudio?.(callId, frame);
      },
      onTrace: (direction, message, peer) => {
        trace.record(direction, message, peer);
        hooks.onTrace?.(direction, message, peer);
      },
    });
  const doctor = createDoctorRunner({
    ...probes.doctor,
    account: () => store.settings.account,
    password: () => store.password(),
    stunServers: () => store.settings.stunServers,
    tlsCaFile: () => store.settings.tlsCaFile,
    turn: () => {
      const turn = turnOf(store.settings);
      return turn ? { server: turn.server, user: turn.username, password: turn.password } : null;
    },
    localAddress: () => {
      const { localAddress } = service.engine.engineOptions;
      return localAddress === DEFAULT_ENGINE_OPTIONS.localAddress ? undefined : localAddress;
    },
    phoneFacts: async () => {
      const { calls, nat } = await service.engine.invoke('snapshot', {});
      return {
        rescues: calls.flatMap((call) =>
          call.rescue ? [{ to: call.rescue.to, recovered: call.rescue.recovered }] : [],
        ),
        networkChange: nat?.networkChange ?? null,
      };
    },
    saveSettings: (change) => service.handlers.saveSettings(change),
    onStep: (step) => appEvents.emit('doctorStep', step),
  });
  /** The first account's label, DND and auto-answer, as the account list shows them. */
  const firstLineOf = (settings: Settings) => ({
    label: firstAccountLabel(settings.account),
    doNotDisturb: settings.doNotDisturb,
    autoAnswerSeconds: settings.autoAnswerSeconds,
  });
  const fleet: AccountFleet = new AccountFleet(
    engineFor(FIRST_ACCOUNT_ID, engineOptionsOf(store.settings)),
    firstLineOf(store.settings),
  );
  const moreAccounts = new MoreAccountsRunner({
    fleet,
    optionsFor: (settings, more) => ({
      ...engineOptionsOf(settings),
      localAddress: fleet.first.engineOptions.localAddress,
      sipTransport: more.sipTransport,
      doNotDisturb: more.doNotDisturb,
      doNotDisturbForwardTo: doNotDisturbForwardOf(more),
      autoAnswerSeconds: more.autoAnswerSeconds,
      dtmfMethod: accountSettingOf(settings, more.id, 'dtmfMethod'),
      failoverServers:
        settings.registrarFailover && isVoipmsServer(more.account.server)
          ? [...VOIPMS_SERVERS]
          : [],
    }),
    engineFor: (id, options) => engineFor(id, options),
    password: (id) => store.accountPassword(id),
    log: hooks.log,
  });
  /**
   * An engine command the app adds nothing to: one about a call goes to the engine of the account
   * the call is on, any other to the first account's engine, as the renderer sent it.
   */
  const passThrough =
    <C extends CommandName>(command: C) =>
    (request: CommandRequest<C>): Promise<CommandResponse<C>> =>
      'callId' in request && typeof request.callId === 'string'
        ? fleet.forCall(command, request as CommandRequest<C> & { callId: string })
        : service.engine.invoke(command, request);
  const service: AppService = {
    engine: fleet.first,
    fleet,
    audio,
    trace,
    on: (event, listener) => {
      // Call events carry the call's recording, which main keeps beside the engine.
      if (event === 'call') return recordings.onCall(listener as (call: CallInfo) => void);
      if (isAppEventName(event)) {
        const name: AppEventName = event;
        if (name === 'accounts') return fleet.on('accounts', listener as never);
        appEvents.on(name, listener);
        return () => appEvents.off(name, listener);
      }
      const name = event as EventName;
      return fleet.onEngineEvent(name, listener as (payload: EventPayload<typeof name>) => void);
    },
    start: async () => {
      await Promise.all([register(), moreAccounts.apply(store.settings)]);
    },
    reconnect: () => {
      reconnecting ??= (async () => {
        // The further accounts open heal in place each, beside the first.
        const others = Promise.all(
          fleet.ids.slice(1).map((id) => {
            const engine = fleet.engineOf(id);
            return engine?.natStatus
              ? engine.networkChanged('the computer woke up or came back online')
              : undefined;
          }),
        );
        await healFirstAccount().finally(() => others);
      })().finally(() => (reconnecting = null));
      return reconnecting;
      async function healFirstAccount(): Promise<void> {
        // With an account open, the engine heals in place: new address and mapping, REGISTER,
        // and a re-INVITE for each call, which keep going.
        if (service.engine.natStatus) {
          await service.engine.networkChanged('the computer woke up or came back online');
          return;
        }
        // Registering again opens a new socket and ends every call: a call that survived the
        // network change is left alone, and only the NAT is checked again.
        const { calls } = await service.engine.invoke('snapshot', {});
        const inCall = calls.some((call) => call.state !== 'ended');
        if (!inCall && !(await register())) return;
        if (service.engine.natStatus) await service.engine.invoke('checkNat', {});
      }
    },
    onSettingsSaved: (listener) => {
      appEvents.on('settings', listener);
      return () => appEvents.off('settings', listener);
    },
    setDoNotDisturbEverywhere: (on) =>
      service.handlers.saveSettings({
        doNotDisturb: on,
        moreAccounts: store.settings.moreAccounts.map((more) => ({ ...more, doNotDisturb: on })),
      }),
    stop: async () => {
      await recordings.stopAll();
      await moreAccounts.idle();
      await fleet.shutdown();
    },
    handlers: {
      register: (request) => service.engine.invoke('register', request),
      unregister: (request) => service.engine.invoke('unregister', request),
      checkNat: async (request) => {
        if (service.engine.natStatus) return service.engine.invoke('checkNat', request);
        throw Object.assign(new Error('set up your account first'), { code: 'no-account' });
      },
      setStunServers: async (request) => {
        const settings = await store.update({ stunServers: request.servers });
        announceSaved(settings);
        await moreAccounts.apply(settings);
        return fleet.setStunServers(stunServersOf(settings));
      },
      call: (request) => fleet.call(request),
      answer: (request) => fleet.answer(request),
      reject: passThrough('reject'),
      hangup: passThrough('hangup'),
      hold: (request) => fleet.hold(request),
      switchTo: (request) => fleet.switchTo(request),
      conference: passThrough('conference'),
      splitConference: passThrough('splitConference'),
      mute: passThrough('mute'),
      sendDtmf: passThrough('sendDtmf'),
      snapshot: async () => recordings.withRecordings(await fleet.snapshot()),
      getAccounts: async () => fleet.statuses(),
      transfer: passThrough('transfer'),
      acceptTransfer: passThrough('acceptTransfer'),
      getSettings: async () => store.settings,
      getHistory: async () => history.list,
      clearHistory: () => history.clear(),
      removeHistoryEntry: ({ id }) => history.remove(id),
      exportHistory: async () =>
        historyExport(history.list, {
          nameFor: (number, presented) => contacts.nameFor(number, presented),
          accountLabel: (accountId) => fleet.labelOf(accountId),
        }),
      // Both run on sockets of their own, beside the engine: a test never touches the SIP socket.
      testStunServer: ({ server }) => testStunServer(server, probes.stunTest),
      probeServers: ({ servers }) => probeSipServers(servers, probes.serverProbe),
      runDoctor: (request) => doctor.run(request),
      applyDoctorFix: () => doctor.applyLastFix(),
      getSipTrace: async () => trace.entries(),
      ...contactHandlers(contacts),
      ...recordings.handlers(() => fleet.snapshot()),
      saveSettings: async (change: SettingsUpdate) => {
        const before = store.settings;
        // A CA file that cannot be used is refused now, beside its field, not at the handshake.
        if (change.tlsCaFile) await checkCaFile(change.tlsCaFile);
        if (change.recordingFolder) await recordings.checkFolder(change.recordingFolder);
        const settings = await store.update(change);
        // Another transport or CA takes a new connection to the registrar: register again.
        const accountChanged =
          change.password !== undefined ||
          JSON.stringify(before.account) !== JSON.stringify(settings.account) ||
          keepaliveIntervalSeconds(before) !== keepaliveIntervalSeconds(settings) ||
          before.sipTransport !== settings.sipTransport ||
          (settings.sipTransport === 'tls' && before.tlsCaFile !== settings.tlsCaFile);
        // A new list or STUN switched on or off: every account re-checks its NAT at once.
        const stunServers = stunServersOf(settings);
        if (JSON.stringify(stunServersOf(before)) !== JSON.stringify(stunServers)) {
          await fleet.setStunServers(stunServers).catch(() => undefined);
        }
        service.engine.configure(engineOptionsOf(settings));
        fleet.update(FIRST_ACCOUNT_ID, firstLineOf(settings));
        await moreAccounts.apply(settings, Object.keys(change.accountPasswords ?? {}));
        if (accountChanged) await register();
        announceSaved(settings);
        return settings;
      },
    },
  };

  fleet.on('call', (engineCall) => {
    audio.onCall(engineCall);
    const call = recordings.followCall(engineCall);
    if (call.state === 'ended') void history.record(call).catch(() => undefined);
  });

  /** Registers with the stored account; false when there is none (or no password). */
  async function register(): Promise<boolean> {
    const { account } = store.settings;
    const password = store.password();
    if (!account || !password) return false;
    await service.engine.invoke('register', { account, password });
    return true;
  }

  return service;
}
