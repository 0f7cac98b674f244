import { useEffect, useState } from 'react';
import type { CallAudio } from '../audio/call-audio.js';
import { CallView } from '../call/CallView.js';
import { Dialer } from '../dialer/Dialer.js';
import { FirstRun } from '../first-run/FirstRun.js';
import { DoctorView } from '../network/DoctorView.js';
import { NatIndicator, NatPanel } from '../network/NatPanel.js';
import { SettingsView } from '../settings/SettingsView.js';
import { SipTraceView } from '../network/SipTraceView.js';
import { useStore, type Store } from '../state/store.js';

/** The connection check and the SIP trace are pages of the Network tab. */
type Tab = 'dialer' | 'network' | 'settings' | 'doctor' | 'trace';
const TABS: readonly Tab[] = ['dialer', 'network', 'settings', 'doctor', 'trace'];
const sectionOf = (tab: Tab) => (tab === 'doctor' || tab === 'trace' ? 'network' : tab);

export function App({ store, audio = null }: { store: Store; audio?: CallAudio | null }) {
  const [tab, setTab] = useState<Tab>(() => {
    const asked = new URLSearchParams(location.search).get('tab');
    return TABS.find((name) => name === asked) ?? 'dialer';
  });
  const calls = useStore(store, (s) => s.calls);
  const error = useStore(store, (s) => s.error);
  const registration = useStore(store, (s) => s.registration);
  const [prefill, setPrefill] = useState<string | null>(null);
  useEffect(() => {
    const number = new URLSearchParams(location.search).get('dial');
    if (number) setPrefill(number);
  }, []);
  // Each page opens at its top, not where the page before it was scrolled to.
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [tab]);
  // With no account the set-up screen opens; it stays after saving until a next step is chosen.
  const noAccount = useStore(store, (s) => s.settings !== null && s.settings.account === null);
  const [settingUp, setSettingUp] = useState(false);
  useEffect(() => {
    if (noAccount) setSettingUp(true);
  }, [noAccount]);
  const active = calls.find((call) => call.state !== 'ended');
  const [checkAfterCall, setCheckAfterCall] = useState(false);
  useEffect(() => {
    if (!active) setCheckAfterCall(false);
  }, [active]);
  if ((settingUp || noAccount) && !active) {
    return (
      <div className="app">
        <FirstRun
          store={store}
          onDone={(next) => {
            setSettingUp(false);
            setTab(next);
          }}
        />
      </div>
    );
  }
  return (
    <div className="app">
      <header>
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <div>
            <strong>Natter</strong>
            <span className="account">{registration.account?.user ?? 'No account'}</span>
          </div>
        </div>
        <NatIndicator store={store} onOpen={() => setTab('network')} />
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
          <button
            type="button"
            className="ghost"
            aria-label="Dismiss"
            onClick={() => store.clearError()}
          >
            ✕
          </button>
        </p>
      )}
      <main>
        {active ? (
          <CallView
            store={store}
            call={active}
            audio={audio}
            // Chosen during a call, the check opens once the call ends: it places calls of its own.
            onCheckConnection={() => {
              setCheckAfterCall(true);
              setTab('doctor');
            }}
            checkPending={checkAfterCall}
          />
        ) : tab === 'dialer' ? (
          <Dialer store={store} prefill={prefill} />
        ) : tab === 'network' ? (
          <NatPanel
            store={store}
            onOpenDoctor={() => setTab('doctor')}
            onOpenTrace={() => setTab('trace')}
          />
        ) : tab === 'doctor' ? (
          <DoctorView store={store} onBack={() => setTab('network')} />
        ) : tab === 'trace' ? (
          <SipTraceView store={store} onBack={() => setTab('network')} />
        ) : (
          <SettingsView store={store} />
        )}
      </main>
      {!active && (
        <nav aria-label="Sections">
          {(['dialer', 'network', 'settings'] as const).map((name) => (
            <button
              key={name}
              type="button"
              aria-current={sectionOf(tab) === name ? 'page' : undefined}
              onClick={() => setTab(name)}
            >
              {name === 'dialer' ? 'Dialer' : name === 'network' ? 'Network' : 'Settings'}
            </button>
          ))}
        </nav>
      )}
    </div>
  );
}
