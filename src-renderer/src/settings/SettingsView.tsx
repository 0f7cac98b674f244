import { useId, type ReactNode } from 'react';
import type { Settings } from '../../../src-shared/settings.js';
import { AccountSettings } from './AccountSettings.js';
import { AccountsSettings } from '../accounts/AccountsSettings.js';
import { AudioSettings } from './AudioSettings.js';
import { CodecSettings } from './CodecSettings.js';
import { EncryptionSettings } from './EncryptionSettings.js';
import { AppSettings, CallSettings } from './PreferenceSettings.js';
import { StunSettings } from './StunSettings.js';
import { TurnSettings } from './TurnSettings.js';
import { RecordingSettings } from '../recording/RecordingSettings.js';
import { useStore, type Store } from '../state/store.js';
import './settings.css';
import type { SettingsSectionProps } from './section-props.js';

export function SettingsView({ store }: { store: Store }) {
  const settings = useStore(store, (s) => s.settings);
  if (!settings) return <p className="muted">Loading settings…</p>;
  return <SettingsPage store={store} settings={settings} />;
}

type SectionBody = (props: SettingsSectionProps) => ReactNode;

/** The page's sections in order: the jump list at the top names each of them. */
const SECTIONS: ReadonlyArray<{ key: string; title: string; Body: SectionBody }> = [
  { key: 'account', title: 'Account', Body: AccountSettings },
  { key: 'accounts', title: 'Accounts', Body: AccountsSettings },
  { key: 'encryption', title: 'Encryption', Body: EncryptionSettings },
  { key: 'stun', title: 'STUN & keepalive', Body: StunSettings },
  { key: 'relay', title: 'Relay', Body: TurnSettings },
  { key: 'audio', title: 'Audio', Body: AudioSettings },
  { key: 'codecs', title: 'Codecs', Body: CodecSettings },
  { key: 'calls', title: 'Calls', Body: CallSettings },
  { key: 'recording', title: 'Recording', Body: RecordingSettings },
  { key: 'app', title: 'App', Body: AppSettings },
];

function SettingsPage({ store, settings }: { store: Store; settings: Settings }) {
  const id = useId();
  const headingId = (key: string) => `${id}-${key}`;
  const jumpTo = (key: string) => {
    const heading = document.getElementById(headingId(key));
    if (!heading) return;
    heading.scrollIntoView({ block: 'start' });
    // Focus follows, so the keyboard carries on from the section jumped to.
    heading.focus({ preventScroll: true });
  };
  return (
    <section className="settings" aria-label="Settings">
      <h1 className="visually-hidden">Settings</h1>
      <nav className="settings-jump" aria-label="Settings sections">
        <ul>
          {SECTIONS.map((section) => (
            <li key={section.key}>
              <a
                href={`#${headingId(section.key)}`}
                onClick={(event) => {
                  event.preventDefault();
                  jumpTo(section.key);
                }}
              >
                {section.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {SECTIONS.map(({ key, title, Body }) => (
        // Stable ids (`account-settings`, `stun-settings`, `relay-settings`…) let other pages
        // open Settings at the section their advice is about.
        <section
          key={key}
          id={`${key}-settings`}
          className="settings-section"
          aria-labelledby={headingId(key)}
        >
          <h2 id={headingId(key)} tabIndex={-1}>
            {title}
          </h2>
          <Body store={store} settings={settings} labelledBy={headingId(key)} />
        </section>
      ))}
    </section>
  );
}
