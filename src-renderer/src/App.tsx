import { useEffect, useState } from 'react';
import type { CallAudio } from './audio/call-audio.js';
import { CallView } from './CallView.js';
import { Dialer } from './Dialer.js';
import { NatIndicator, NatPanel } from './NatPanel.js';
import { SettingsView } from './SettingsView.js';
import { useStore, type Store } from './store.js';

type Tab = 'dialer' | 'network' | 'settings';

export function App({ store, audio = null }: { store: Store; audio?: CallAudio | null }) {
  const [tab, setTab] = useState<Tab>(
    () => (new URLSearchParams(location.search).get('tab') as Tab) || 'dialer',
  );
  const calls = useStore(store, (s) => s.calls);
  const error = useStore(store, (s) => s.error);
  const registration = useStore(store, (s) => s.registration);
  const [prefill, setPrefill] = useState<string | null>(null);
  useEffect(() => {
    const number = new URLSearchParams(location.search).get('dial');
    if (number) setPrefill(number);
  }, []);
  const active = calls.find((call) => call.state !== 'ended');
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
          <CallView store={store} call={active} audio={audio} />
        ) : tab === 'dialer' ? (
          <Dialer store={store} prefill={prefill} />
        ) : tab === 'network' ? (
          <NatPanel store={store} />
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
              aria-current={tab === name ? 'page' : undefined}
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
