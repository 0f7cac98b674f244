/**
 * The app's side of the IPC contract, with no Electron in it: engine commands pass through, and
 * settings are stored and applied (switching the STUN server re-checks the NAT at once; a saved
 * account and password register). The NAT doctor runs beside the engine, and the engine's SIP
 * messages are kept for the trace view. The Electron shell and the end-to-end test bridge both
 * serve the renderer with this.
 */
import { EventEmitter } from 'node:events';
import { DEFAULT_ENGINE_OPTIONS } from '../engine/engine-options.js';
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
import { RendererAudioRouter } from './renderer-audio-router.js';
import { createDoctorRunner, type DoctorRunnerDeps } from './doctor-runner.js';
import { SipTrace } from './sip-trace.js';
import { checkCaFile } from './ca-file-check.js';

export interface AppService {
  engine: NatterEngine;
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
  /** Called with the settings after every save (from the page or the doctor's fix). */
  onSettingsSaved(listener: (settings: Settings) => void): () => void;
  stop(): Promise<void>;
}

/** Bounds of the settings page's network tests; tests shorten them. */
export interface SettingsProbeOptions {
  stunTest?: StunServerTestOptions;
  serverProbe?: SipProbeOptions;
  /** A stand-in doctor, or shorter test calls, for tests. */
  doctor?: Pick<DoctorRunnerDeps, 'run' | 'timings'>;
}

export function createAppService(
  store: SettingsStore,
  history: CallHistoryStore,
  hooks: EngineHooks = {},
  probes: SettingsProbeOptions = {},
): AppService {
  const audio = new RendererAudioRouter();
  const audioHooks = audio.hooks();
  const trace = new SipTrace();
  const appEvents = new EventEmitter();
  const savedSettings = new EventEmitter();
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
    failoverServers:
      settings.registrarFailover && settings.account && isVoipmsServer(settings.account.server)
        ? [...VOIPMS_SERVERS]
        : [],
    sipTransport: settings.sipTransport,
    tlsCaFile: settings.tlsCaFile,
    mediaEncryption: settings.mediaEncryption,
  });
  const engineFor = (settings: Settings) =>
    new NatterEngine(engineOptionsOf(settings), {
      ...hooks,
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
  /** An engine command the app adds nothing to: it goes to the engine as the renderer sent it. */
  const passThrough =
    <C extends CommandName>(command: C) =>
    (request: CommandRequest<C>): Promise<CommandResponse<C>> =>
      service.engine.invoke(command, request);
  const service: AppService = {
    engine: engineFor(store.settings),
    audio,
    trace,
    on: (event, listener) => {
      if (isAppEventName(event)) {
        const name: AppEventName = event;
        appEvents.on(name, listener);
        return () => appEvents.off(name, listener);
      }
      const name = event as EventName;
      return service.engine.on(name, listener as (payload: EventPayload<typeof name>) => void);
    },
    start: async () => {
      await register();
    },
    reconnect: () => {
      reconnecting ??= (async () => {
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
      })().finally(() => (reconnecting = null));
      return reconnecting;
    },
    onSettingsSaved: (listener) => {
      savedSettings.on('saved', listener);
      return () => savedSettings.off('saved', listener);
    },
    stop: () => service.engine.shutdown(),
    handlers: {
      register: (request) => service.engine.invoke('register', request),
      unregister: (request) => service.engine.invoke('unregister', request),
      checkNat: async (request) => {
        if (service.engine.natStatus) return service.engine.invoke('checkNat', request);
        throw Object.assign(new Error('set up your account first'), { code: 'no-account' });
      },
      setStunServers: async (request) => {
        const settings = await store.update({ stunServers: request.servers });
        return service.engine.invoke('setStunServers', { servers: stunServersOf(settings) });
      },
      call: passThrough('call'),
      answer: passThrough('answer'),
      reject: passThrough('reject'),
      hangup: passThrough('hangup'),
      hold: passThrough('hold'),
      switchTo: passThrough('switchTo'),
      mute: passThrough('mute'),
      sendDtmf: passThrough('sendDtmf'),
      transfer: passThrough('transfer'),
      acceptTransfer: passThrough('acceptTransfer'),
      snapshot: passThrough('snapshot'),
      getSettings: async () => store.settings,
      getHistory: async () => history.list,
      clearHistory: () => history.clear(),
      // Both run on sockets of their own, beside the engine: a test never touches the SIP socket.
      testStunServer: ({ server }) => testStunServer(server, probes.stunTest),
      probeServers: ({ servers }) => probeSipServers(servers, probes.serverProbe),
      runDoctor: (request) => doctor.run(request),
      applyDoctorFix: () => doctor.applyLastFix(),
      getSipTrace: async () => trace.entries(),
      saveSettings: async (change: SettingsUpdate) => {
        const before = store.settings;
        // A CA file that cannot be used is refused now, beside its field, not at the handshake.
        if (change.tlsCaFile) await checkCaFile(change.tlsCaFile);
        const settings = await store.update(change);
        // Another transport or CA takes a new connection to the registrar: register again.
        const accountChanged =
          change.password !== undefined ||
          JSON.stringify(before.account) !== JSON.stringify(settings.account) ||
          keepaliveIntervalSeconds(before) !== keepaliveIntervalSeconds(settings) ||
          before.sipTransport !== settings.sipTransport ||
          (settings.sipTransport === 'tls' && before.tlsCaFile !== settings.tlsCaFile);
        // A new list or STUN switched on or off: the engine re-checks the NAT at once.
        const stunServers = stunServersOf(settings);
        if (JSON.stringify(stunServersOf(before)) !== JSON.stringify(stunServers)) {
          await service.engine
            .invoke('setStunServers', { servers: stunServers })
            .catch(() => undefined);
        }
        service.engine.configure(engineOptionsOf(settings));
        if (accountChanged) await register();
        savedSettings.emit('saved', settings);
        return settings;
      },
    },
  };

  service.engine.on('call', (call) => {
    audio.onCall(call);
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
