/**
 * The two parties of a call transfer behind the lab's provider, both on the carrier's address:
 * A, baresip on the carrier's callee port (where Kamailio sends calls to any number), answering
 * at once and sending a 440 Hz tone (`ausine`), which follows a REFER as baresip does; and B, the
 * transfer target, sipp on its own port, answering and echoing RTP. Kamailio routes B's number
 * to B (see `numberRoutes` in kamailio.ts).
 */
import { startBaresip, type BaresipHandle } from './baresip.js';
import { CARRIER, startCarrier } from './kamailio.js';
import type { Lab } from './netns-lab.js';
import type { SippHandle } from './peers.js';

/** The numbers the lab dials: A (the carrier's callee) and B (the transfer target). */
export const PARTY_A = '200';
export const PARTY_B = '201';
export const TARGET = { port: 5070, mediaPort: 16400 } as const;
export const TARGET_URI = `sip:${CARRIER.address}:${TARGET.port}`;

/** baresip as party A on the carrier's callee address: answers every call, sends a tone. */
export function startBaresipParty(lab: Lab): Promise<BaresipHandle> {
  return startBaresip(lab, {
    sipPort: CARRIER.calleePort,
    rtpPorts: { first: CARRIER.calleeMediaPort, count: 20 },
    player: 'aubridge,nowhere',
    source: 'ausine,440',
    rates: ['ausrc_srate 48000', 'ausrc_channels 2', 'auplay_srate 48000'],
    modules: ['g711', 'aubridge', 'ausine'],
    appModules: ['menu'],
    account: `<sip:${PARTY_A}@${CARRIER.address}>;regint=0;answermode=auto;audio_codecs=PCMU`,
  });
}

/**
 * sipp on the carrier's address at {@link TARGET}, running `scenario` for up to `calls` calls,
 * echoing RTP. As A (the carrier's callee port) it stands in for a party that answers a REFER
 * its own way; as B it is the transfer target.
 */
export function startSippParty(
  lab: Lab,
  scenario: string,
  options: { calls?: number; as?: 'a' | 'b' } = {},
): Promise<SippHandle> {
  const asA = options.as === 'a';
  return startCarrier(lab, 'callee', {
    scenario,
    calls: options.calls,
    port: asA ? CARRIER.calleePort : TARGET.port,
    mediaPort: asA ? CARRIER.calleeMediaPort : TARGET.mediaPort,
  });
}
