/**
 * The one IPC contract between the Electron main process and the renderer: every channel, its
 * request and response schema. Main validates every payload against it; the preload exposes one
 * method per channel; the renderer programs against {@link NatterBridge}.
 */
import { z } from 'zod';
import {
  commandSchemas,
  eventSchemas,
  type CommandName,
  type EventName,
  type EventPayload,
} from './engine-contract.js';
import { historyEntrySchema } from './call-history.js';
import { settingsSchema, settingsUpdateSchema } from './settings.js';

export const appCommandSchemas = {
  getSettings: { request: z.object({}).strict(), response: settingsSchema },
  saveSettings: { request: settingsUpdateSchema, response: settingsSchema },
  getHistory: { request: z.object({}).strict(), response: z.array(historyEntrySchema) },
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
