import type { CallInfo } from '../../../src-shared/domain.js';
import { DEFAULT_SETTINGS } from '../../../src-shared/settings.js';
import { useStore, type Store } from '../state/store.js';
import { callSecurity } from './call-security.js';

function LockIcon({ open }: { open: boolean }) {
  return (
    <svg className="call-security-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <rect x="3" y="7" width="10" height="8" rx="1.5" />
      <path d={open ? 'M5.5 7V4.5a2.5 2.5 0 0 1 5-.5' : 'M5.5 7V4.5a2.5 2.5 0 0 1 5 0V7'} />
    </svg>
  );
}

/** The lock of a fully encrypted call, or what is not encrypted when encryption was asked for. */
export function CallSecurityNote({ store, call }: { store: Store; call: CallInfo }) {
  const settings = useStore(store, (s) => s.settings) ?? DEFAULT_SETTINGS;
  const security = callSecurity(call, settings);
  if (security.kind === 'encrypted') {
    return (
      <p className="call-security encrypted" title={security.label}>
        <LockIcon open={false} />
        <span className="visually-hidden">{security.label}</span>
        <span aria-hidden="true">Encrypted</span>
      </p>
    );
  }
  if (security.kind === 'exposed') {
    return (
      <div className="call-security exposed" role="status" aria-label="Call encryption">
        <LockIcon open={true} />
        <div>
          {security.lines.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      </div>
    );
  }
  return null;
}
