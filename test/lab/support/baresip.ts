/**
 * baresip in the lab, on the carrier's address behind the provider: one writer of its config
 * and accounts files and one start-up for every party the lab runs (the carrier's echoing callee
 * here, a transfer's party A, a conference's parties), each differing only in its audio devices,
 * rates, modules and account line.
 *
 * The carrier's callee (where Kamailio sends calls to any number) answers every call and echoes
 * its audio back (the `echo` module over `aubridge`), with SDES-SRTP from its `srtp` module when
 * asked (`mediaenc=srtp-mand`: RTP/SAVP offered and required). It has no registration of its own;
 * Kamailio's CALLEE_URI points at it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CARRIER } from './kamailio.js';
import type { Lab } from './netns-lab.js';
import { waitFor } from './wait.js';

export interface BaresipHandle {
  process: ChildProcess;
  output(): string;
}

/** What sets one baresip party apart from another. */
export interface BaresipSetup {
  /** Its SIP port on the carrier's address. */
  sipPort: number;
  /**
   * Its RTP/RTCP ports, `first` to `first + count - 1`; baresip takes them on the interface's
   * first address (the provider's), whatever address its SIP listens on.
   */
  rtpPorts: { first: number; count: number };
  /** Where received audio and alerts go and where sent audio comes from, as `module,device`. */
  player: string;
  source: string;
  /** Its sample-rate lines (`audio_srate 8000`, `ausrc_srate 48000`, ...). */
  rates: string[];
  /** Modules besides account.so: codecs and audio devices, then application modules. */
  modules: string[];
  appModules: string[];
  /** The accounts file's one line. */
  account: string;
}

/** baresip's config file for a party, from the one set of lines every party shares. */
export function baresipConfig(setup: BaresipSetup): string {
  const { first, count } = setup.rtpPorts;
  return [
    'poll_method epoll',
    `sip_listen ${CARRIER.address}:${setup.sipPort}`,
    `audio_player ${setup.player}`,
    `audio_source ${setup.source}`,
    `audio_alert ${setup.player}`,
    ...setup.rates,
    'audio_channels 1',
    `rtp_ports ${first}-${first + count - 1}`,
    'rtcp_mux no',
    'module_path /usr/lib/baresip/modules',
    ...setup.modules.map((name) => `module ${name}.so`),
    ...['account', ...setup.appModules].map((name) => `module_app ${name}.so`),
    '',
  ].join('\n');
}

/**
 * Writes a party's files into a fresh directory (`dir`, for files of its own such as a tone) and
 * starts baresip in the internet namespace; resolves once its SIP port listens.
 */
export async function startBaresip(
  lab: Lab,
  setup: BaresipSetup | ((dir: string) => BaresipSetup),
): Promise<BaresipHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-baresip-'));
  const resolved = typeof setup === 'function' ? setup(dir) : setup;
  writeFileSync(join(dir, 'config'), baresipConfig(resolved));
  writeFileSync(join(dir, 'accounts'), `${resolved.account}\n`);
  const child = lab.spawn(lab.internet, 'baresip', ['-f', dir, '-v']);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const listening = `${CARRIER.address}:${resolved.sipPort}`;
  const up = await waitFor(
    () => child.exitCode !== null || lab.exec(lab.internet, 'ss', ['-uln']).includes(listening),
    10_000,
  );
  if (!up || child.exitCode !== null) {
    throw new Error(`baresip did not start: ${output.slice(-1500)}`);
  }
  return { process: child, output: () => output };
}

/** Starts baresip on the carrier's callee address; resolves once it listens. */
export function startBaresipCallee(
  lab: Lab,
  /** `number`: the number called, the user part baresip's account must match. */
  options: {
    mediaenc: 'srtp-mand' | null;
    number: string;
    /** baresip's `audio_codecs` in its order, `PCMU` by default; G.722 is `G722/16000/1` there. */
    audioCodecs?: string;
  },
): Promise<BaresipHandle> {
  const audioCodecs = options.audioCodecs ?? 'PCMU';
  // Its echo runs at the device rate: 8 kHz would strip what G.722 carries above 4 kHz.
  const echoRate = /G722/i.test(audioCodecs) ? 16000 : 8000;
  const mediaenc = options.mediaenc ? `;mediaenc=${options.mediaenc}` : '';
  return startBaresip(lab, {
    sipPort: CARRIER.calleePort,
    rtpPorts: { first: CARRIER.calleeMediaPort, count: 10 },
    player: 'aubridge,echo',
    source: 'aubridge,echo',
    rates: [`audio_srate ${echoRate}`],
    modules: ['g711', 'g722', 'aubridge', 'srtp'],
    appModules: ['echo'],
    account: `<sip:${options.number}@${CARRIER.address}>;regint=0;audio_codecs=${audioCodecs}${mediaenc}`,
  });
}
