/**
 * The names of the IPC channels, without their schemas. The preload may require only `electron`
 * and a few Node built-ins (a sandboxed preload has no `node_modules`), so it cannot load zod;
 * it imports these lists instead. `ipc-contract.ts` checks at compile time that they name exactly
 * the commands and events its schemas define.
 */

/** Every command the renderer may invoke: the engine's, then the app's. */
export const INVOKE_CHANNEL_NAMES = [
  'register',
  'unregister',
  'checkNat',
  'setStunServers',
  'call',
  'answer',
  'reject',
  'hangup',
  'switchTo',
  'hold',
  'conference',
  'splitConference',
  'mute',
  'sendDtmf',
  'transfer',
  'acceptTransfer',
  'snapshot',
  'getSettings',
  'saveSettings',
  'getHistory',
  'testStunServer',
  'probeServers',
  'runDoctor',
  'applyDoctorFix',
  'getSipTrace',
  'clearHistory',
  'removeHistoryEntry',
  'exportHistory',
  'listContacts',
  'saveContact',
  'deleteContact',
  'importContacts',
  'exportContacts',
  'startRecording',
  'stopRecording',
  'getRecordingFolder',
  'chooseRecordingFolder',
  'showRecording',
  'getAccounts',
] as const;

/** Every event the renderer may subscribe to: the engine's, then the app's. */
export const EVENT_CHANNEL_NAMES = [
  'registration',
  'nat',
  'call',
  'dtmfReceived',
  'transferRequest',
  'error',
  'doctorStep',
  'dial',
  'openHistory',
  'voicemail',
  'accounts',
  'settings',
] as const;

export type InvokeChannelName = (typeof INVOKE_CHANNEL_NAMES)[number];
export type EventChannelName = (typeof EVENT_CHANNEL_NAMES)[number];

/**
 * The page's scripts are listening: sent once per page load by the preload, answered by main
 * with the call-audio port and anything held for the page (a `tel:` link given at start).
 */
export const READY_CHANNEL = 'natter:ready';
/** Main's answer to {@link READY_CHANNEL}: one MessagePort for call audio, no payload. */
export const AUDIO_PORT_CHANNEL = 'natter:audio-port';

export const invokeChannel = (name: InvokeChannelName): string => `natter:invoke:${name}`;
export const eventChannel = (name: EventChannelName): string => `natter:event:${name}`;

const invokeNames: ReadonlySet<string> = new Set(INVOKE_CHANNEL_NAMES);
const eventNames: ReadonlySet<string> = new Set(EVENT_CHANNEL_NAMES);

export function isInvokeChannelName(name: string): name is InvokeChannelName {
  return invokeNames.has(name);
}

export function isEventChannelName(name: string): name is EventChannelName {
  return eventNames.has(name);
}

/** The command a `natter:invoke:*` channel names, or null for any other channel. */
export function invokeNameOf(channel: string): InvokeChannelName | null {
  const name = channel.startsWith('natter:invoke:') ? channel.slice('natter:invoke:'.length) : '';
  return isInvokeChannelName(name) ? name : null;
}
