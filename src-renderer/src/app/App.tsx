import { useEffect, useState } from 'react';
import type { HistoryShown } from '../../../src-shared/call-history.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { CallAudio } from '../audio/call-audio.js';
import { CallEnded, useEndedCall } from '../call/CallEnded.js';
import { CallView } from '../call/CallView.js';
import { callLinesOf } from '../call/call-lines.js';
import { ContactsView } from '../contacts/ContactsView.js';
import { callPartyName } from '../contacts/party-name.js';
import type { ContactPrefill } from '../contacts/ContactForm.js';
import { Dialer } from '../dialer/Dialer.js';
import { FirstRun } from '../first-run/FirstRun.js';
import { DoctorView } from '../network/DoctorView.js';
import { HistoryView } from '../history/HistoryView.js';
import { useUnseenMissed } from '../history/unseen-missed.js';
import { NatIndicator, NatPanel } from '../network/NatPanel.js';
import { NetworkChangeNotice } from '../network/NetworkChangeNotice.js';
import { SettingsView } from '../settings/SettingsView.js';
import { SipTraceView } from '../network/SipTraceView.js';
import { useStore, useStoreSlice, type Store } from '../state/store.js';
import { sameCallsApartFromStats } from '../state/same-calls.js';
import { VoicemailBadge } from '../voicemail/VoicemailBadge.js';
import { DoNotDisturbBadge } from '../accounts/DoNotDisturbBadge.js';
import {
  accountStillListed,
  useAccountRegistered,
  useChosenAccount,
} from '../accounts/AccountChooser.js';
import { FIRST_ACCOUNT_ID } from '../../../src-shared/accounts.js';
import { dialTargetOf } from '../dialer/phone-number.js';

/** The connection check and the SIP trace are pages of the Network tab. */
type Tab = 'dialer' | 'contacts' | 'history' | 'network' | 'settings' | 'doctor' | 'trace';
const TABS: readonly Tab[] = [
  'dialer',
  'contacts',
  'history',
  'network',
  'settings',
  'doctor',
  'trace',
];
const TAB_NAMES = {
  dialer: 'Dialer',
  contacts: 'Contacts',
  history: 'History',
  network: 'Network',
  settings: 'Settings',
};
const sectionOf = (tab: Tab) => (tab === 'doctor' || tab === 'trace' ? 'network' : tab);

export function App({ store, audio = null }: { store: Store; audio?: CallAudio | null }) {
  const [tab, setTab] = useState<Tab>(() => {
    const asked = new URLSearchParams(location.search).get('tab');
    return TABS.find((name) => name === asked) ?? 'dialer';
  });
  // A call's statistics change once a second and show only on the call screen, which reads them
  // itself at its tick: the whole app does not render again for them.
  const calls = useStoreSlice(store, (s) => s.calls, sameCallsApartFromStats);
  const error = useStore(store, (s) => s.error);
  const registration = useStore(store, (s) => s.registration);
  const contacts = useStore(store, (s) => s.contacts);
  const settings = useStore(store, (s) => s.settings);
  /** A link's number for the dialer to take once; a new object for each link, even the same. */
  const [prefill, setPrefill] = useState<{ number: string } | null>(null);
  const [dialFrom, chooseDialFrom] = useChosenAccount(store);
  // A tel:/sip:/callto: link opened on the desktop fills the dialer, whichever page was open;
  // the user presses Call.
  useEffect(
    () =>
      store.bridge.on('dial', ({ number }) => {
        setPrefill({ number });
        setTab('dialer');
      }),
    [store],
  );
  /** Which calls History is to open on, once: a missed-call notification or the tray's line. */
  const [historyRequest, setHistoryRequest] = useState<{ shown: HistoryShown } | null>(null);
  useEffect(
    () =>
      store.bridge.on('openHistory', ({ shown }) => {
        setHistoryRequest({ shown });
        setTab('history');
      }),
    [store],
  );
  /** A new contact made from a call on History, for the Contacts page to open on once. */
  const [contactPrefill, setContactPrefill] = useState<ContactPrefill | null>(null);
  useEffect(() => {
    if (tab !== 'contacts') setContactPrefill(null);
  }, [tab]);
  /** The element a page opens at (a section of Settings), or null for its top. */
  const [anchor, setAnchor] = useState<string | null>(null);
  const openSettings = (section: string) => {
    setAnchor(section);
    setTab('settings');
  };
  // Each page opens at its top, not where the page before it was scrolled to.
  useEffect(() => {
    const target = anchor ? document.getElementById(anchor) : null;
    if (target) target.scrollIntoView({ block: 'start' });
    else window.scrollTo(0, 0);
    // The anchor applies once, on arrival: changing it alone must not scroll.
    setAnchor(null);
  }, [tab]);
  // With no account the set-up screen opens; it stays after saving until a next step is chosen.
  const noAccount = useStore(store, (s) => s.settings !== null && s.settings.account === null);
  const [settingUp, setSettingUp] = useState(false);
  useEffect(() => {
    if (noAccount) setSettingUp(true);
  }, [noAccount]);
  // With two calls, the one the user talks on; a waiting or held call is a line beside it.
  const active = callLinesOf(calls).shown;
  const ended = useEndedCall(calls);
  const accounts = useStore(store, (s) => s.accounts);
  const againFrom = accountStillListed(accounts, ended.call?.accountId);
  const canCallAgain = useAccountRegistered(store, againFrom ?? FIRST_ACCOUNT_ID);
  /** The ended screen's Call again or Call back: the same number, from the call's own account. */
  const callAgain = (call: CallInfo | null) => {
    if (!call) return;
    ended.dismiss();
    void store.act(() =>
      store.bridge.invoke('call', { target: dialTargetOf(call.remote), accountId: againFrom }),
    );
  };
  const unseenMissed = useUnseenMissed(store, tab === 'history' && !active && !ended.call);
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
          <VoicemailBadge
            store={store}
            chosenAccountId={dialFrom}
            onOpen={(accountId) => {
              if (accountId) chooseDialFrom(accountId);
              setTab('dialer');
            }}
          />
          <DoNotDisturbBadge store={store} onOpenSettings={openSettings} />
        </div>
        <NatIndicator store={store} onOpen={() => setTab('network')} />
      </header>
      <NetworkChangeNotice store={store} />
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
            // Switching lines starts the screen afresh: digits, keypad and trends are per call.
            key={active.id}
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
        ) : ended.call ? (
          <CallEnded
            call={{
              ...ended.call,
              remoteDisplayName: callPartyName(ended.call, contacts, settings),
            }}
            onDismiss={() => {
              ended.dismiss();
              if (tab !== 'doctor') setTab('dialer');
            }}
            backLabel={tab === 'doctor' ? 'Open the connection check' : 'Back to dialer'}
            canCallAgain={canCallAgain}
            onCallAgain={() => callAgain(ended.call)}
          />
        ) : tab === 'dialer' ? (
          <Dialer
            store={store}
            prefill={prefill}
            onPrefillTaken={() => setPrefill(null)}
            accountId={dialFrom}
            onChooseAccount={chooseDialFrom}
            onOpenHistory={() => setTab('history')}
          />
        ) : tab === 'contacts' ? (
          <ContactsView
            store={store}
            accountId={dialFrom}
            prefill={contactPrefill}
            onPrefillDone={() => setTab('history')}
          />
        ) : tab === 'history' ? (
          <HistoryView
            store={store}
            request={historyRequest}
            onRequestTaken={() => setHistoryRequest(null)}
            onAddContact={(prefill) => {
              setContactPrefill(prefill);
              setTab('contacts');
            }}
          />
        ) : tab === 'network' ? (
          <NatPanel
            store={store}
            onOpenDoctor={() => setTab('doctor')}
            onOpenTrace={() => setTab('trace')}
            onOpenSettings={openSettings}
          />
        ) : tab === 'doctor' ? (
          <DoctorView
            store={store}
            onBack={() => setTab('network')}
            onOpenSettings={openSettings}
          />
        ) : tab === 'trace' ? (
          <SipTraceView store={store} onBack={() => setTab('network')} />
        ) : (
          <SettingsView store={store} />
        )}
      </main>
      {!active && !ended.call && (
        <nav className="tabs" aria-label="Sections">
          {(['dialer', 'contacts', 'history', 'network', 'settings'] as const).map((name) => {
            const count = name === 'history' ? unseenMissed : 0;
            return (
              <button
                key={name}
                type="button"
                aria-current={sectionOf(tab) === name ? 'page' : undefined}
                // The count is said after the name, so the tab is still called "History".
                aria-describedby={count > 0 ? 'history-tab-count' : undefined}
                onClick={() => setTab(name)}
              >
                <span className="tab-label">
                  {TAB_NAMES[name]}
                  {count > 0 && (
                    <span className="tab-count" aria-hidden="true">
                      {count > 99 ? '99+' : count}
                    </span>
                  )}
                </span>
              </button>
            );
          })}
          {unseenMissed > 0 && (
            <span hidden id="history-tab-count">
              {unseenMissed === 1 ? '1 missed call' : `${unseenMissed} missed calls`}
            </span>
          )}
        </nav>
      )}
    </div>
  );
}
