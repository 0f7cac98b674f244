import type { NatStatus, Registration } from './domain.js';

export type VerdictColor = 'green' | 'amber' | 'red';

export interface NatVerdict {
  color: VerdictColor;
  title: string;
  advice: string;
}

/**
 * One colour and one plain sentence for the NAT indicator: green when the public address is known
 * and the registrar agrees (or has not contradicted it), amber for a symmetric NAT or a
 * disagreement or while registering, red when STUN got no answer or the account is not registered.
 */
export function natVerdict(nat: NatStatus | null, registration: Registration): NatVerdict {
  // Under way is not broken: amber until the registrar has answered.
  if (registration.state === 'registering') {
    const account = registration.account;
    return {
      color: 'amber',
      title: 'Registering…',
      advice: account
        ? `Asking ${account.server} to accept ${account.user}; calls can come in once it has.`
        : 'Asking the server to accept the account; calls can come in once it has.',
    };
  }
  if (registration.state !== 'registered') {
    const why = registration.error?.message ?? 'not registered yet';
    return {
      color: 'red',
      title: 'Not registered',
      advice: `Calls cannot come in: ${why}. Check the account in Settings.`,
    };
  }
  if (!nat) return { color: 'amber', title: 'Checking…', advice: 'Looking at your network.' };
  if (nat.natType === 'blocked') {
    return {
      color: 'red',
      title: 'No STUN answer',
      advice:
        'No STUN server answered: your public address is unknown and callers may not hear you. Try another STUN server in Settings, or check that your firewall allows UDP.',
    };
  }
  if (nat.natType === 'symmetric' && nat.turn?.state === 'allocated') {
    return {
      color: 'green',
      title: 'Symmetric NAT, calls relayed',
      advice: `Your router changes ports per destination, so calls go through the TURN relay ${nat.turn.server}: audio works both ways.`,
    };
  }
  if (nat.natType === 'symmetric' && nat.turn?.state === 'failed') {
    return {
      color: 'red',
      title: 'Symmetric NAT, relay not working',
      advice: `Your router changes ports per destination and the TURN relay does not work (${nat.turn.error ?? 'no allocation'}): calls will have one-way audio. Check the relay in Settings.`,
    };
  }
  if (nat.natType === 'symmetric') {
    return {
      color: 'amber',
      title: 'Symmetric NAT',
      advice:
        'Your router changes ports per destination (symmetric NAT): calls may have one-way audio; configure a TURN server or disable SIP ALG.',
    };
  }
  if (stunOff(nat)) {
    // Not a problem in itself: the doctor turns STUN off where voip.ms already fixes addresses.
    return {
      color: 'green',
      title: 'STUN off',
      advice:
        'STUN is off: calls carry this computer’s own address and voip.ms answers to the address it sees. If a call has one-way audio, run Check my connection.',
    };
  }
  if (nat.registrarAgrees === false) {
    return {
      color: 'amber',
      title: 'Provider sees another address',
      advice:
        'voip.ms sees a different address than STUN reports: your router may rewrite SIP (SIP ALG). Disable SIP ALG on the router.',
    };
  }
  if (nat.natType === 'open') {
    return {
      color: 'green',
      title: 'No NAT',
      advice: 'This computer has a public address: calls work both ways.',
    };
  }
  return {
    color: 'green',
    title: nat.natType === 'cone' ? 'Cone NAT, public address known' : 'Public address known',
    advice: 'Your public address is known and goes into every call: audio should work both ways.',
  };
}

/** STUN turned off in settings: no server asked, and the Contact carries the local address. */
export function stunOff(nat: NatStatus): boolean {
  return nat.servers.length === 0 && nat.mapped === null && nat.contactSource === 'local';
}
