/**
 * baresip as the carrier's callee (where Kamailio sends calls to any number): it answers every
 * call and echoes its audio back (the `echo` module over `aubridge`), with SDES-SRTP from its
 * `srtp` module when asked (`mediaenc=srtp-mand`: RTP/SAVP offered and required). It has no
 * registration of its own; Kamailio's CALLEE_URI points at it.
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

/** Starts baresip on the carrier's callee address; resolves once it listens. */
export async function startBaresipCallee(
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
  const dir = mkdtempSync(join(tmpdir(), 'natter-baresip-'));
  const media = CARRIER.calleeMediaPort;
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${CARRIER.address}:${CARRIER.calleePort}`,
      'audio_player aubridge,echo',
      'audio_source aubridge,echo',
      'audio_alert aubridge,echo',
      `audio_srate ${echoRate}`,
      'audio_channels 1',
      `rtp_ports ${media}-${media + 9}`,
      'rtcp_mux no',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module g722.so',
      'module aubridge.so',
      'module srtp.so',
      'module_app account.so',
      'module_app echo.so',
      '',
    ].join('\n'),
  );
  const mediaenc = options.mediaenc ? `;mediaenc=${options.mediaenc}` : '';
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${options.number}@${CARRIER.address}>;regint=0;audio_codecs=${audioCodecs}${mediaenc}\n`,
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
