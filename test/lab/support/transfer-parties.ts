/**
 * The two parties of a call transfer behind the lab's provider, both on the carrier's address:
 * A, baresip on the carrier's callee port (where Kamailio sends calls to any number), answering
 * at once and sending a 440 Hz tone (`ausine`), which follows a REFER as baresip does; and B, the
 * transfer target, sipp on its own port, answering and echoing RTP. Kamailio routes B's number
 * to B (see `numberRoutes` in kamailio.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaresipHandle } from './baresip.js';
import { CARRIER } from './kamailio.js';
import type { Lab } from './netns-lab.js';
import { parseSippMessageLog, SCENARIOS, type SippHandle } from './peers.js';
import { waitFor } from './wait.js';

/** The numbers the lab dials: A (the carrier's callee) and B (the transfer target). */
export const PARTY_A = '200';
export const PARTY_B = '201';
export const TARGET = { port: 5070, mediaPort: 16400 } as const;
export const TARGET_URI = `sip:${CARRIER.address}:${TARGET.port}`;

/** baresip as party A on the carrier's callee address: answers every call, sends a tone. */
export async function startBaresipParty(lab: Lab): Promise<BaresipHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-baresip-a-'));
  const media = CARRIER.calleeMediaPort;
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${CARRIER.address}:${CARRIER.calleePort}`,
      'audio_player aubridge,nowhere',
      'audio_source ausine,440',
      'audio_alert aubridge,nowhere',
      'ausrc_srate 48000',
      'ausrc_channels 2',
      'auplay_srate 48000',
      'audio_channels 1',
      `rtp_ports ${media}-${media + 19}`,
      'rtcp_mux no',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aubridge.so',
      'module ausine.so',
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${PARTY_A}@${CARRIER.address}>;regint=0;answermode=auto;audio_codecs=PCMU\n`,
  );
  const child = lab.spawn(lab.internet, 'baresip', ['-f', dir, '-v']);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const up = await waitFor(
    () =>
      child.exitCode !== null ||
      lab.exec(lab.internet, 'ss', ['-uln']).includes(`${CARRIER.address}:${CARRIER.calleePort}`),
    10_000,
  );
  if (!up || child.exitCode !== null) {
    throw new Error(`baresip did not start: ${output.slice(-1500)}`);
  }
  return { process: child, output: () => output };
}

/**
 * sipp on the carrier's address at {@link TARGET}, running `scenario` for up to `calls` calls,
 * echoing RTP. As A (the carrier's callee port) it stands in for a party that answers a REFER
 * its own way; as B it is the transfer target.
 */
export async function startSippParty(
  lab: Lab,
  scenario: string,
  options: { calls?: number; as?: 'a' | 'b' } = {},
): Promise<SippHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-party-'));
  const messageLog = join(dir, 'messages.log');
  const asA = options.as === 'a';
  const port = asA ? CARRIER.calleePort : TARGET.port;
  const mediaPort = asA ? CARRIER.calleeMediaPort : TARGET.mediaPort;
  const child = lab.spawn(lab.internet, 'sipp', [
    '-sf',
    join(SCENARIOS, scenario),
    '-i',
    CARRIER.address,
    '-p',
    String(port),
    '-mi',
    CARRIER.address,
    '-mp',
    String(mediaPort),
    '-m',
    String(options.calls ?? 1),
    '-rtp_echo',
    '-trace_msg',
    '-message_file',
    messageLog,
    '-nostdin',
    '-timeout',
    '60s',
  ]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  const up = await waitFor(
    () =>
      child.exitCode !== null ||
      lab.exec(lab.internet, 'ss', ['-uan']).includes(`${CARRIER.address}:${port}`),
    10_000,
  );
  if (!up) throw new Error(`sipp (${scenario}) did not start: ${output.slice(-800)}`);
  return {
    process: child,
    messageLog,
    exited,
    messages: () => parseSippMessageLog(messageLog),
    output: () => output,
  };
}
