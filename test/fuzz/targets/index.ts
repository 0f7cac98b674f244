import type { FuzzTarget } from '../fuzz-target.js';
import { historyFileTarget, ipcTarget, settingsFileTarget } from './app-targets.js';
import { addressBookTarget } from './contacts-targets.js';
import { sipCallOutTarget, sipDialogTarget } from './dialog-targets.js';
import { dtmfTarget, rtcpTarget, rtpTarget, sdpTarget } from './media-targets.js';
import { stunCodecTarget, turnCodecTarget } from './net-targets.js';
import { messageSummaryTarget } from './message-summary-targets.js';
import { sipDigestTarget, sipTarget } from './sip-targets.js';
import { srtpTarget } from './srtp-targets.js';
import { sipStreamTarget } from './stream-targets.js';
import { channelDataTarget, turnClientTarget } from './turn-targets.js';

/** Every fuzz target, by the name FUZZ_ONLY and the regression files use. */
export const FUZZ_TARGETS: ReadonlyArray<FuzzTarget<never>> = [
  sipTarget,
  sipDialogTarget,
  sipCallOutTarget,
  sipDigestTarget,
  sipStreamTarget,
  sdpTarget,
  stunCodecTarget,
  turnCodecTarget,
  turnClientTarget,
  channelDataTarget,
  rtpTarget,
  rtcpTarget,
  srtpTarget,
  dtmfTarget,
  settingsFileTarget,
  historyFileTarget,
  ipcTarget,
  messageSummaryTarget,
  addressBookTarget,
] as unknown as ReadonlyArray<FuzzTarget<never>>;

export function targetNamed(name: string): FuzzTarget<unknown> | undefined {
  return FUZZ_TARGETS.find((target) => target.name === name) as FuzzTarget<unknown> | undefined;
}
