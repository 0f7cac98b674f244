import type { NatStatus, Registration } from './domain.js';

export type VerdictColor = 'green' | 'amber' | 'red';

/**
 * What the advice asks the person to do, as one button: the window maps each id to a control
 * (the connection check, a section of Settings, or saving STUN on).
 */
export type VerdictAction =
  | 'run-check'
  | 'open-relay-settings'
  | 'open-stun-settings'
  | 'turn-stun-on'
  | 'open-account-settings';

export interface NatVerdict {
  color: VerdictColor;
  /** A few plain words for the header pill and the tray. */
  title: string;
  /** One or two sentences: what it means for calls, and what fixes it. */
  advice: string;
  action: VerdictAction | null;
}

/** What the active call adds to the picture. */
export interface CallEvidence {
  /** The active call sends audio and has received none for a few seconds. */
  oneWayAudio?: boolean;
}

/**
 * One colour and one plain sentence for the status pill and the network panel. Red only when
 * calls cannot work (no registration, or audio that cannot flow); amber when something is
 * degraded or still in progress; green otherwise. A STUN server that does not answer beside a
 * working registration is amber: the registrar's view of our address still fills the Contact.
 */
export function natVerdict(
  nat: NatStatus | null,
  registration: Registration,
  call: CallEvidence = {},
): NatVerdict {
  if (nat?.networkChange?.state === 'reconnecting' && registration.account) {
    return {
      color: 'amber',
      // The pill has room for a word or two; the notice under the header says the rest.
      title: 'Reconnecting…',
      advice:
        'This computer is on another network or got another address. Natter is signing in again from it and moving any call over; this takes a few seconds.',
      action: null,
    };
  }
  if (call.oneWayAudio) return oneWayAudioVerdict(nat);
  if (registration.state === 'registering') {
    return {
      color: 'amber',
      title: 'Registering…',
      advice: 'Signing in to voip.ms with your account. Calls can start once it answers.',
      action: null,
    };
  }
  if (registration.state !== 'registered') {
    if (!registration.account) {
      return {
        color: 'red',
        title: 'No account',
        advice: 'Set up your voip.ms sub-account to make and take calls.',
        action: 'open-account-settings',
      };
    }
    const why = registration.error?.message;
    return {
      color: 'red',
      title: 'Not registered',
      advice: why
        ? `Calls cannot come in or go out: ${why}. Check the account in Settings.`
        : 'Calls cannot come in or go out until the account signs in. Check the account in Settings.',
      action: 'open-account-settings',
    };
  }
  if (!nat) {
    return {
      color: 'amber',
      title: 'Checking network…',
      advice: 'Looking at how your network reaches voip.ms.',
      action: null,
    };
  }
  if (nat.natType === 'blocked') {
    return {
      color: 'amber',
      title: 'STUN server not answering',
      advice: nat.registrarSees
        ? 'The STUN server does not answer, but voip.ms reports the address it sees and calls use that, so they should work. Choose another STUN server in Settings.'
        : 'No STUN server answers and voip.ms has not said which address it sees: callers may not hear you. Choose another STUN server in Settings, or check that your firewall allows UDP.',
      action: 'open-stun-settings',
    };
  }
  if (nat.natType === 'symmetric' && nat.turn?.state === 'allocated') {
    return {
      color: 'green',
      title: 'Ready, calls relayed',
      advice: `Your router gives each destination its own port, so calls go through the relay ${nat.turn.server}: audio works both ways.`,
      action: null,
    };
  }
  if (nat.natType === 'symmetric' && nat.turn?.state === 'failed') {
    return {
      color: 'red',
      title: 'Relay not working',
      advice: `Your router gives each destination its own port, so calls need the relay, and it does not work (${nat.turn.error ?? 'no relayed address'}): callers would not hear you. Check the relay in Settings.`,
      action: 'open-relay-settings',
    };
  }
  if (nat.natType === 'symmetric') {
    return {
      color: 'amber',
      title: 'Audio may be one-way',
      advice:
        'Your router gives each destination its own port, so callers may not hear you. Set up a relay (TURN server) in Settings, or turn off SIP ALG on the router.',
      action: 'open-relay-settings',
    };
  }
  if (stunOff(nat)) {
    // Not a problem in itself: the check turns STUN off where voip.ms already fixes addresses.
    return {
      color: 'green',
      title: 'Ready, STUN off',
      advice:
        'STUN is off: calls carry this computer’s own address and voip.ms answers to the address it sees. If a call has one-way audio, turn STUN on.',
      action: 'turn-stun-on',
    };
  }
  if (nat.registrarAgrees === false) {
    return {
      color: 'amber',
      title: 'Router rewrites calls',
      advice:
        'voip.ms sees a different address from the one STUN found: your router may rewrite calls (SIP ALG). Natter uses what voip.ms sees; if a call has one-way audio, turn SIP ALG off on the router and run the check.',
      action: 'run-check',
    };
  }
  if (nat.natType === 'open') {
    return {
      color: 'green',
      title: 'Ready',
      advice: 'This computer has a public address: calls work both ways.',
      action: null,
    };
  }
  return {
    color: 'green',
    title: 'Ready',
    advice: 'Your public address is known and goes into every call: audio should work both ways.',
    action: null,
  };
}

/** Sound goes out and none comes back: the fix depends on what the network looks like. */
function oneWayAudioVerdict(nat: NatStatus | null): NatVerdict {
  const base = {
    color: 'red',
    title: 'One-way audio',
  } as const;
  if (nat && stunOff(nat)) {
    return {
      ...base,
      advice:
        'Your sound goes out but none arrives from the other side. STUN is off, so the other side may be sending to an address it cannot reach: turn STUN on.',
      action: 'turn-stun-on',
    };
  }
  if (nat?.natType === 'symmetric' && nat.turn?.state !== 'allocated') {
    return {
      ...base,
      advice:
        'Your sound goes out but none arrives from the other side: your router gives each destination its own port. Set up a relay (TURN server) in Settings.',
      action: 'open-relay-settings',
    };
  }
  return {
    ...base,
    advice:
      'Your sound goes out but none arrives from the other side. After the call, run the check: it finds what fixes it.',
    action: 'run-check',
  };
}

/** STUN turned off in settings: no server asked, and the Contact carries the local address. */
export function stunOff(nat: NatStatus): boolean {
  return nat.servers.length === 0 && nat.mapped === null && nat.contactSource === 'local';
}

const SEVERITY: Record<VerdictColor, number> = { green: 0, amber: 1, red: 2 };

/** Another account's state, as the header weighs it beside the first account's verdict. */
export interface OtherAccount {
  label: string;
  nat: NatStatus | null;
  registration: Registration;
}

/**
 * The header pill's verdict with several accounts: the first account's, unless another account is
 * worse off, whose verdict then stands with its name in front ("Office: Not registered"), as the
 * tray takes the colour of the worst account. A pill that said "Ready" while one account's calls
 * could not come in would hide the one thing worth knowing.
 */
export function worstAccountVerdict(
  first: NatVerdict,
  others: readonly OtherAccount[],
): NatVerdict {
  let worst = first;
  let worstLabel: string | null = null;
  for (const other of others) {
    const verdict = otherAccountVerdict(other);
    if (SEVERITY[verdict.color] > SEVERITY[worst.color]) {
      worst = verdict;
      worstLabel = other.label;
    }
  }
  if (worstLabel === null) return first;
  return {
    ...worst,
    // The pill has room for a few words beside the account name: "Office offline" fits.
    title: worst.color === 'red' ? `${worstLabel} offline` : `${worstLabel}: ${worst.title}`,
    advice: `${worstLabel}: ${worst.advice}`,
  };
}

/**
 * An account listed in Settings is set up, signed in or not: "No account" is what the first
 * account's verdict says when there is none at all.
 */
function otherAccountVerdict(other: OtherAccount): NatVerdict {
  const { registration } = other;
  if (registration.account === null && registration.state !== 'registering') {
    return {
      color: 'red',
      title: 'Not registered',
      advice:
        'Calls cannot come in or go out on it until it signs in. Check the account in Settings.',
      action: 'open-account-settings',
    };
  }
  return natVerdict(other.nat, registration);
}
