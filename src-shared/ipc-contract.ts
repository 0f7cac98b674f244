/**
 * The one IPC contract between the Electron main process and the renderer: every channel, its
 * request and response schema. Main validates every payload against it; the preload exposes one
 * method per channel; the renderer programs against {@link NatterBridge}.
 */
import { z } from 'zod';
import { transportAddressSchema } from './domain.js';
import {
  commandSchemas,
  eventSchemas,
  stunServerSchema,
  type CommandName,
  type EventName,
  type EventPayload,
} from './engine-contract.js';
import { historyEntrySchema } from './call-history.js';
import { settingsSchema, settingsUpdateSchema } from './settings.js';

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

export const appCommandSchemas = {
  getSettings: { request: z.object({}).strict(), response: settingsSchema },
  saveSettings: { request: settingsUpdateSchema, response: settingsSchema },
  getHistory: { request: z.object({}).strict(), response: z.array(historyEntrySchema) },
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
} as const;

export const invokeSchemas = { ...commandSchemas, ...appCommandSchemas } as const;
export type InvokeName = keyof typeof invokeSchemas;
export type InvokeRequest<C extends InvokeName> = z.infer<(typeof invokeSchemas)[C]['request']>;
export type InvokeResponse<C extends InvokeName> = z.infer<(typeof invokeSchemas)[C]['response']>;

export const INVOKE_NAMES = Object.keys(invokeSchemas) as InvokeName[];
export const EVENT_NAMES = Object.keys(eventSchemas) as EventName[];

export const invokeChannel = (name: InvokeName): string => `natter:invoke:${name}`;
export const eventChannel = (name: EventName): string => `natter:event:${name}`;

export function isInvokeName(name: string): name is InvokeName {
  return Object.prototype.hasOwnProperty.call(invokeSchemas, name);
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
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export type { CommandName, EventName, EventPayload };
