/**
 * The renderer's state: a snapshot taken once, then kept current by engine events (no polling).
 * Components read slices with `useSyncExternalStore`; actions are thin invoke calls.
 */
import { useRef, useSyncExternalStore } from 'react';
import {
  HISTORY_LIMIT,
  historyEntryOf,
  type HistoryEntry,
} from '../../../src-shared/call-history.js';
import type { CallInfo, NatStatus, Registration, Voicemail } from '../../../src-shared/domain.js';
import { ContactIndex, type Contact } from '../../../src-shared/contacts.js';
import type { DoctorFix, DoctorReport, DoctorStep } from '../../../src-shared/doctor.js';
import type { NatterBridge } from '../../../src-shared/ipc-contract.js';
import type { Settings } from '../../../src-shared/settings.js';
import type { AccountStatus } from '../../../src-shared/accounts.js';

/** "Check my connection": steps as they land, then the report and whether its fix was saved. */
export interface DoctorState {
  running: boolean;
  /** Whether the binding lifetime is measured in this run (minutes longer). */
  full: boolean;
  /** When the current or last run started (ms since the epoch), for elapsed times. */
  startedAt: number | null;
  /** When the latest step landed, so the running step's clock starts there. */
  lastStepAt: number | null;
  steps: DoctorStep[];
  report: DoctorReport | null;
  error: string | null;
  applying: boolean;
  applied: DoctorFix | null;
}

const idleDoctor: DoctorState = {
  running: false,
  full: false,
  startedAt: null,
  lastStepAt: null,
  steps: [],
  report: null,
  error: null,
  applying: false,
  applied: null,
};

export interface AppState {
  registration: Registration;
  nat: NatStatus | null;
  calls: CallInfo[];
  /** Recent calls, newest first, persisted by main across restarts. */
  history: HistoryEntry[];
  settings: Settings | null;
  /** Every account the phone runs, the first one first (one, until more are added). */
  accounts: AccountStatus[];
  dtmfReceived: string;
  doctor: DoctorState;
  error: string | null;
  ready: boolean;
  /** The mailbox as the provider last reported it; null before any report. */
  voicemail: Voicemail | null;
  /** The address book, and its numbers indexed to name callers and history entries. */
  contacts: ContactIndex;
}

const initial: AppState = {
  registration: {
    state: 'unregistered',
    account: null,
    contact: null,
    expiresAt: null,
    error: null,
  },
  nat: null,
  calls: [],
  history: [],
  settings: null,
  accounts: [],
  dtmfReceived: '',
  doctor: idleDoctor,
  error: null,
  ready: false,
  voicemail: null,
  contacts: new ContactIndex([]),
};

export function createStore(bridge: NatterBridge) {
  let state = initial;
  const listeners = new Set<() => void>();
  const set = (patch: Partial<AppState>) => {
    state = { ...state, ...patch };
    for (const listener of listeners) listener();
  };
  const upsertCall = (call: CallInfo) => {
    const others = state.calls.filter((existing) => existing.id !== call.id);
    set({ calls: [...others, call].sort((a, b) => a.startedAt.localeCompare(b.startedAt)) });
    if (call.state === 'ended' && !state.history.some((entry) => entry.id === call.id)) {
      set({ history: [historyEntryOf(call), ...state.history].slice(0, HISTORY_LIMIT) });
    }
  };
  // Subscribe first, then take the snapshot: nothing sent in between is lost.
  bridge.on('registration', (registration) => set({ registration }));
  bridge.on('nat', (nat) => set({ nat }));
  bridge.on('call', upsertCall);
  bridge.on('voicemail', (voicemail) => set({ voicemail }));
  bridge.on('accounts', (accounts) => set({ accounts }));
  // A save made elsewhere (the tray's do not disturb switch) shows at once on every screen.
  bridge.on('settings', (settings) => set({ settings }));
  void bridge.invoke('getAccounts', {}).then(
    (accounts) => set({ accounts }),
    () => undefined,
  );
  bridge.on('dtmfReceived', ({ digit }) =>
    set({ dtmfReceived: (state.dtmfReceived + digit).slice(-16) }),
  );
  const setDoctor = (patch: Partial<DoctorState>) => set({ doctor: { ...state.doctor, ...patch } });
  bridge.on('doctorStep', (step) => {
    // Steps of a run this page did not start (before a reload) have no report to end them.
    if (!state.doctor.running) return;
    const others = state.doctor.steps.filter((existing) => existing.id !== step.id);
    setDoctor({ steps: [...others, step], lastStepAt: Date.now() });
  });
  const setContacts = (contacts: Contact[]) => set({ contacts: new ContactIndex(contacts) });
  // The book loads beside the snapshot; a bridge without it leaves the book empty.
  void bridge.invoke('listContacts', {}).then(setContacts, () => undefined);
  void Promise.all([
    bridge.invoke('snapshot', {}),
    bridge.invoke('getSettings', {}),
    bridge.invoke('getHistory', {}),
  ]).then(
    ([snapshot, settings, history]) => {
      const seen = new Set(state.history.map((entry) => entry.id));
      set({
        ...snapshot,
        voicemail: snapshot.voicemail ?? state.voicemail,
        calls: [
          ...snapshot.calls,
          ...state.calls.filter((call) => !snapshot.calls.some((s) => s.id === call.id)),
        ],
        history: [...state.history, ...history.filter((entry) => !seen.has(entry.id))],
        settings,
        ready: true,
      });
    },
    (error: unknown) => set({ error: String(error), ready: true }),
  );

  const act = async <T>(action: () => Promise<T>): Promise<T | null> => {
    try {
      set({ error: null });
      return await action();
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
      return null;
    }
  };

  /** Runs a History command and keeps the list main answers with. */
  const keepHistoryFromMain = async (command: () => Promise<HistoryEntry[]>) => {
    const history = await act(command);
    if (history) set({ history });
    return history !== null;
  };

  return {
    bridge,
    getState: () => state,
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    act,
    setSettings: (settings: Settings) => set({ settings }),
    /** Runs the doctor; the steps arrive as events while this waits for the report. */
    runDoctor: async (full: boolean) => {
      if (state.doctor.running) return;
      const now = Date.now();
      set({
        doctor: { ...idleDoctor, running: true, full, startedAt: now, lastStepAt: now },
      });
      try {
        const report = await bridge.invoke('runDoctor', { full, echo: '4443', apply: false });
        setDoctor({ running: false, report, steps: report.steps });
      } catch (error) {
        setDoctor({
          running: false,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },
    /** Saves the fix main found in its last run (main decides what that is, not the page). */
    applyDoctorFix: async () => {
      setDoctor({ applying: true, error: null });
      try {
        const { settings, applied } = await bridge.invoke('applyDoctorFix', {});
        set({ settings });
        setDoctor({ applying: false, applied });
      } catch (error) {
        setDoctor({
          applying: false,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },
    clearError: () => set({ error: null }),
    /** Keeps the book as main answered it after a save, delete or import. */
    setContacts,
    /** Forgets every call in main's file and here; false when main refused. */
    clearHistory: () => keepHistoryFromMain(() => bridge.invoke('clearHistory', {})),
    /** Forgets one call in main's file and here; false when main refused. */
    removeHistoryEntry: (id: string) =>
      keepHistoryFromMain(() => bridge.invoke('removeHistoryEntry', { id })),
  };
}

export type Store = ReturnType<typeof createStore>;

export function useStore<T>(store: Store, select: (state: AppState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}

/**
 * A slice that keeps its previous value while `equal` says nothing its reader shows changed, so
 * an event that changes only what the reader ignores renders nothing.
 */
export function useStoreSlice<T>(
  store: Store,
  select: (state: AppState) => T,
  equal: (previous: T, next: T) => boolean,
): T {
  const kept = useRef<{ value: T } | null>(null);
  return useSyncExternalStore(store.subscribe, () => {
    const next = select(store.getState());
    if (kept.current && equal(kept.current.value, next)) return kept.current.value;
    kept.current = { value: next };
    return next;
  });
}
