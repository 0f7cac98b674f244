/**
 * The one IPC contract between the Electron main process and the renderer: every channel, its
 * request and response schema. Main validates every payload against it; the preload exposes one
 * method per channel; the renderer programs against {@link NatterBridge}.
 */
import { z } from 'zod';
import { callRecordingSchema, transportAddressSchema } from './domain.js';
import {
  commandSchemas,
  eventSchemas,
  stunServerSchema,
  type CommandName,
  type EventName,
  type EventPayload,
} from './engine-contract.js';
import { historyEntrySchema, historyShownSchema } from './call-history.js';
import { accountStatusListSchema } from './accounts.js';
import {
  CONTACTS_LIMIT,
  addressBookFormatSchema,
  contactDraftSchema,
  contactExportSchema,
  contactIdSchema,
  contactImportReportSchema,
  contactImportRequestSchema,
  contactSchema,
} from './contacts.js';
import {
  doctorFixSchema,
  doctorReportSchema,
  doctorRequestSchema,
  doctorStepSchema,
} from './doctor.js';
import { settingsSchema, settingsUpdateSchema } from './settings.js';
import {
  EVENT_CHANNEL_NAMES,
  INVOKE_CHANNEL_NAMES,
  eventChannel as channelOfEvent,
  invokeChannel as channelOfInvoke,
  type EventChannelName,
  type InvokeChannelName,
} from './ipc-channels.js';

/** A SIP server as typed in settings: `host` or `host:port` (5060 implied), port 1–65535. */
export const sipServerSchema = z
  .string()
  .min(1)
  .max(260)
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'expected host or host:port')
  .refine((server) => {
    const port = server.split(':')[1];
    return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
  }, 'port must be 1–65535');

/** Most servers one "Nearest" may probe: the voip.ms list and what the user typed, with room. */
export const MAX_PROBED_SERVERS = 32;

/** What one STUN server answered a Binding request from a fresh socket (Settings → Test). */
export const stunServerTestSchema = z.object({
  server: z.string(),
  mapped: transportAddressSchema.nullable(),
  rttMs: z.number().nonnegative().nullable(),
  /** Why there is no mapping, in words for the user; null when the server answered. */
  error: z.string().nullable(),
});
export type StunServerTest = z.infer<typeof stunServerTestSchema>;

/** The SIP OPTIONS round trip to one server (Settings → Nearest). */
export const serverProbeSchema = z.object({
  server: z.string(),
  rttMs: z.number().nonnegative().nullable(),
  error: z.string().nullable(),
});
export type ServerProbe = z.infer<typeof serverProbeSchema>;

/** How many SIP messages the trace keeps (both directions): enough for a registration and a call. */
export const SIP_TRACE_LIMIT = 200;

/** One SIP message as the engine's socket sent or received it, with secrets already removed. */
export const sipTraceEntrySchema = z.object({
  /** Increases by one per message recorded, so a view can keep its place across refreshes. */
  seq: z.number().int().nonnegative(),
  /** ISO 8601 time the message left or arrived. */
  at: z.string(),
  direction: z.enum(['out', 'in']),
  /** Where it went to, or came from. */
  peer: transportAddressSchema,
  /** The message text, Authorization values reduced to username, realm and uri. */
  message: z.string(),
});
export type SipTraceEntry = z.infer<typeof sipTraceEntrySchema>;

const callIdRequestSchema = z.object({ callId: z.string().min(1).max(64) }).strict();
export const recordingFolderInfoSchema = z.object({ path: z.string(), isDefault: z.boolean() });
export type RecordingFolderInfo = z.infer<typeof recordingFolderInfoSchema>;

export const appCommandSchemas = {
  getSettings: { request: z.object({}).strict(), response: settingsSchema },
  saveSettings: { request: settingsUpdateSchema, response: settingsSchema },
  getHistory: { request: z.object({}).strict(), response: z.array(historyEntrySchema) },
  /** Forgets every recorded call, on disk too; answers with the list as it now is (empty). */
  clearHistory: { request: z.object({}).strict(), response: z.array(historyEntrySchema) },
  /** Forgets one call, on disk too (its recording's file stays); answers with the list left. */
  removeHistoryEntry: {
    request: z.object({ id: z.string().min(1).max(64) }).strict(),
    response: z.array(historyEntrySchema),
  },
  testStunServer: {
    request: z.object({ server: stunServerSchema }).strict(),
    response: stunServerTestSchema,
  },
  probeServers: {
    request: z
      .object({ servers: z.array(sipServerSchema).min(1).max(MAX_PROBED_SERVERS) })
      .strict(),
    response: z.array(serverProbeSchema).max(MAX_PROBED_SERVERS),
  },
  /** Runs the NAT doctor with the saved account; each step also arrives as a doctorStep event. */
  runDoctor: { request: doctorRequestSchema, response: doctorReportSchema },
  /**
   * Saves the fix of main's own last doctor report. The renderer names no values: it can only
   * confirm what the doctor found, never smuggle settings in under the doctor's name.
   */
  applyDoctorFix: {
    request: z.object({}).strict(),
    response: z.object({ settings: settingsSchema, applied: doctorFixSchema }),
  },
  getSipTrace: {
    request: z.object({}).strict(),
    response: z.array(sipTraceEntrySchema).max(SIP_TRACE_LIMIT),
  },
  /** History as a CSV file's text (src-main/app/history-export.ts), for the page to save. */
  exportHistory: {
    request: z.object({}).strict(),
    response: contactExportSchema,
  },
  // The address book (src-shared/contacts.ts): each answers with the book as it now is.
  listContacts: {
    request: z.object({}).strict(),
    response: z.array(contactSchema).max(CONTACTS_LIMIT),
  },
  saveContact: {
    request: z.object({ contact: contactDraftSchema }).strict(),
    response: z.array(contactSchema).max(CONTACTS_LIMIT),
  },
  deleteContact: {
    request: z.object({ id: contactIdSchema }).strict(),
    response: z.array(contactSchema).max(CONTACTS_LIMIT),
  },
  /** Reads a vCard or CSV file's text (the page reads the file the user picked). */
  importContacts: { request: contactImportRequestSchema, response: contactImportReportSchema },
  /** The book as a file's text, for the page to save where the user chooses. */
  exportContacts: {
    request: z.object({ format: addressBookFormatSchema }).strict(),
    response: contactExportSchema,
  },
  // Call recording: the call's `recording` field follows each change in its call events.
  startRecording: { request: callIdRequestSchema, response: callRecordingSchema },
  stopRecording: { request: callIdRequestSchema, response: callRecordingSchema.nullable() },
  /** The folder recordings go to now: the one chosen, or the default. */
  getRecordingFolder: { request: z.object({}).strict(), response: recordingFolderInfoSchema },
  /** The native folder dialog; `chosen` false when the user cancelled. */
  chooseRecordingFolder: {
    request: z.object({}).strict(),
    response: z.object({ chosen: z.boolean(), settings: settingsSchema }),
  },
  /** Shows a call's recording in its folder; main finds the file, the page names no path. */
  showRecording: { request: callIdRequestSchema, response: z.object({}) },
  /** Every account the phone runs, the first one first, with its registration and NAT status. */
  getAccounts: { request: z.object({}).strict(), response: accountStatusListSchema },
} as const;

/**
 * Events of the app itself, beside the engine's: they come from main but not from the engine
 * (the doctor runs on sockets and registrations of its own).
 */
export const appEventSchemas = {
  /** One doctor step as it lands, so the window shows progress while the check runs. */
  doctorStep: doctorStepSchema,
  /**
   * A number from a `tel:`, `sip:` or `callto:` link, for the dialer to show: the page fills the
   * number field and waits for the user, it never dials by itself.
   */
  dial: z.object({ number: z.string().min(1).max(64) }).strict(),
  /** Opens History on these calls: the missed-call notification or the tray's line was clicked. */
  openHistory: z.object({ shown: historyShownSchema }).strict(),
  /** The accounts as {@link appCommandSchemas.getAccounts} lists them, after every change. */
  accounts: accountStatusListSchema,
  /**
   * The settings as saved, after every save, whoever made it (the page, the tray's do not
   * disturb switch, the doctor's fix), so no screen shows a setting that is no longer so.
   */
  settings: settingsSchema,
} as const;

/** Every event the renderer can subscribe to, engine's and app's, in one flat map. */
export const bridgeEventSchemas = { ...eventSchemas, ...appEventSchemas } as const;
export type AppEventName = keyof typeof appEventSchemas;
export type BridgeEventName = keyof typeof bridgeEventSchemas;
export type BridgeEventPayload<E extends BridgeEventName> = z.infer<(typeof bridgeEventSchemas)[E]>;

export const invokeSchemas = { ...commandSchemas, ...appCommandSchemas } as const;
export type InvokeName = keyof typeof invokeSchemas;
export type InvokeRequest<C extends InvokeName> = z.infer<(typeof invokeSchemas)[C]['request']>;
export type InvokeResponse<C extends InvokeName> = z.infer<(typeof invokeSchemas)[C]['response']>;

/** True when A and B are the same set of names; a mismatch fails to compile below. */
type SameNames<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The zod-free name lists the preload uses must name exactly what the schemas define.
const invokeNamesInStep: SameNames<InvokeName, InvokeChannelName> = true;
const eventNamesInStep: SameNames<BridgeEventName, EventChannelName> = true;
void invokeNamesInStep;
void eventNamesInStep;

export const INVOKE_NAMES: readonly InvokeName[] = INVOKE_CHANNEL_NAMES;
/** Every event main forwards to the renderer: the engine's, then the app's. */
export const EVENT_NAMES: readonly BridgeEventName[] = EVENT_CHANNEL_NAMES;

export const invokeChannel = (name: InvokeName): string => channelOfInvoke(name);
export const eventChannel = (name: BridgeEventName): string => channelOfEvent(name);
export { AUDIO_PORT_CHANNEL, READY_CHANNEL } from './ipc-channels.js';

export function isInvokeName(name: string): name is InvokeName {
  return Object.prototype.hasOwnProperty.call(invokeSchemas, name);
}

export function isEventName(name: string): name is BridgeEventName {
  return Object.prototype.hasOwnProperty.call(bridgeEventSchemas, name);
}

export function isAppEventName(name: string): name is AppEventName {
  return Object.prototype.hasOwnProperty.call(appEventSchemas, name);
}

/** An error crossing the boundary: a stable code and a sentence, nothing else. */
export interface BridgeError {
  code: string;
  message: string;
}

/** Responses cross as a result union, so a refused payload is data, not a thrown stack trace. */
export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

/** What the renderer sees as `window.natter` (or the test bridge provides in its place). */
export interface NatterBridge {
  invoke<C extends InvokeName>(command: C, request: InvokeRequest<C>): Promise<InvokeResponse<C>>;
  on<E extends BridgeEventName>(
    event: E,
    listener: (payload: BridgeEventPayload<E>) => void,
  ): () => void;
}

export type { CommandName, EventName, EventPayload };
