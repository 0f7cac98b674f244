/**
 * How long the phone takes to heal a move to another network, on the provider's side of the
 * wire: from the move to the registrar's 200 OK for the REGISTER with the new public Contact
 * (registered and idle), and to RTP both ways with the address a re-INVITE advertised (in a
 * call). Each run builds its own lab, since a move cannot be undone in place.
 */
import { measureNetworkChange } from '../lab/support/network-change.js';
import { median } from './stats.js';

export interface NetworkChangeTimes {
  reRegistered: { median: number; runs: number[] };
  audioResumed: { median: number; runs: number[] };
}

export async function measureNetworkChangeTimes(options: {
  runs: number;
  progress: (line: string) => void;
}): Promise<NetworkChangeTimes> {
  const reRegistered: number[] = [];
  const audioResumed: number[] = [];
  for (let run = 1; run <= options.runs; run++) {
    options.progress(`network change ${run}/${options.runs}: registered and idle, then in a call`);
    const idle = await measureNetworkChange({ kind: 'move', inCall: false, watch: true });
    // A run that never healed counts as infinitely slow rather than vanishing from the median.
    reRegistered.push(idle.reRegisteredAfter ?? Infinity);
    const call = await measureNetworkChange({ kind: 'move', inCall: true, watch: true });
    audioResumed.push(call.audioResumedAfter ?? Infinity);
  }
  return {
    reRegistered: { median: median(reRegistered), runs: reRegistered },
    audioResumed: { median: median(audioResumed), runs: audioResumed },
  };
}
