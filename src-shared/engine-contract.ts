/**
 * The engine's API as one contract: commands (request → response) and events (engine → client).
 * The CLI calls the engine in-process; the Electron main process exposes the same map over IPC,
 * validating every payload with these schemas before it reaches the engine.
 */
import { z } from 'zod';
import {
  accountSchema,
  callInfoSchema,
  engineErrorSchema,
  natStatusSchema,
  registrationSchema,
  voicemailSchema,
} from './domain.js';

/** `host:port` or `host` (port 3478 implied), as users type STUN servers. */
export const stunServerSchema = z
  .string()
  .min(1)
  .max(260)
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'expected host or host:port');

/** Digits, `*`, `#` and `A`–`D`, the RFC 4733 events a keypad can send. */
export const dtmfDigitsSchema = z.string().regex(/^[0-9*#A-Da-d]{1,32}$/);

/** A dial target: a number or short code as voip.ms accepts it, or a SIP user part. */
export const dialTargetSchema = z.string().regex(/^[A-Za-z0-9*#+._-]{1,64}$/);

const callIdSchema = z.string().min(1).max(64);

export const commandSchemas = {
  register: {
    request: z.object({ account: accountSchema, password: z.string().min(1).max(256) }),
    response: registrationSchema,
  },
  unregister: { request: z.object({}), response: registrationSchema },
  checkNat: { request: z.object({}), response: natStatusSchema },
  setStunServers: {
    request: z.object({ servers: z.array(stunServerSchema).max(8) }),
    response: natStatusSchema,
  },
  /** `accountId` picks the account that places the call (the app's; the first by default). */
  call: {
    request: z.object({ target: dialTargetSchema, accountId: z.string().max(32).optional() }),
    response: callInfoSchema,
  },
  /**
   * Answers a ringing incoming call. While another call is in progress, `holdOthers: true` is
   * required: the connected call is put on hold first (re-INVITE a=sendonly) and an outgoing
   * call still ringing is cancelled, so that never two calls carry audio at once.
   */
  answer: {
    request: z.object({ callId: callIdSchema, holdOthers: z.boolean().optional() }),
    response: callInfoSchema,
  },
  reject: { request: z.object({ callId: callIdSchema }), response: callInfoSchema },
  hangup: { request: z.object({ callId: callIdSchema }), response: callInfoSchema },
  hold: {
    request: z.object({ callId: callIdSchema, hold: z.boolean() }),
    response: callInfoSchema,
  },
  /**
   * Makes this call the one the user talks on: every other connected call is put on hold, then
   * this one is resumed if it was held. `hold { hold: false }` does the same.
   */
  switchTo: { request: z.object({ callId: callIdSchema }), response: callInfoSchema },
  /**
   * Merges two connected calls into a local three-way conference, the one exception to "never
   * two calls carry audio at once": a held one is resumed (re-INVITE a=sendrecv), any other call
   * is held, and each party hears the other two. `callId` carries the user's audio.
   */
  conference: {
    request: z.object({ callId: callIdSchema, withCallId: callIdSchema }),
    response: callInfoSchema,
  },
  /** Splits a conference again: `callId` stays the user's call, the other leg is put on hold. */
  splitConference: { request: z.object({ callId: callIdSchema }), response: callInfoSchema },
  mute: {
    request: z.object({ callId: callIdSchema, mute: z.boolean() }),
    response: callInfoSchema,
  },
  sendDtmf: {
    request: z.object({ callId: callIdSchema, digits: dtmfDigitsSchema }),
    response: callInfoSchema,
  },
  /**
   * Transfers a connected call (REFER, RFC 3515): blind to `target`, or attended to the party of
   * the connected consult call `consultCallId` (REFER with Replaces, RFC 3891). Resolves once the
   * REFER is answered; the progress follows in the call's `transfer`.
   */
  transfer: {
    request: z
      .object({
        callId: callIdSchema,
        target: dialTargetSchema.optional(),
        consultCallId: callIdSchema.optional(),
      })
      .refine(
        (request) => (request.target === undefined) !== (request.consultCallId === undefined),
        {
          message: 'give either target (blind) or consultCallId (attended)',
        },
      ),
    response: callInfoSchema,
  },
  /** Answers the far end's request to transfer us (an incoming REFER): call the target, or 603. */
  acceptTransfer: {
    request: z.object({ callId: callIdSchema, accept: z.boolean() }),
    response: callInfoSchema,
  },
  snapshot: {
    request: z.object({}),
    response: z.object({
      registration: registrationSchema,
      nat: natStatusSchema.nullable(),
      /** The mailbox as last reported (null before any report); absent from older engines. */
      voicemail: voicemailSchema.nullable().optional(),
      calls: z.array(callInfoSchema),
    }),
  },
} as const;

export type CommandName = keyof typeof commandSchemas;
export type CommandRequest<C extends CommandName> = z.infer<(typeof commandSchemas)[C]['request']>;
export type CommandResponse<C extends CommandName> = z.infer<
  (typeof commandSchemas)[C]['response']
>;

export const eventSchemas = {
  registration: registrationSchema,
  nat: natStatusSchema,
  call: callInfoSchema,
  dtmfReceived: z.object({ callId: callIdSchema, digit: z.string().length(1) }),
  /** The far end of `callId` asks us to call `target` (REFER); answer with acceptTransfer. */
  transferRequest: z.object({
    callId: callIdSchema,
    target: z.string().max(256),
    referredBy: z.string().max(256).nullable(),
    attended: z.boolean(),
  }),
  error: engineErrorSchema,
  voicemail: voicemailSchema,
} as const;

export type EventName = keyof typeof eventSchemas;
export type EventPayload<E extends EventName> = z.infer<(typeof eventSchemas)[E]>;

/** What a client of the engine (CLI, IPC bridge) programs against. */
export interface EngineApi {
  invoke<C extends CommandName>(
    command: C,
    request: CommandRequest<C>,
  ): Promise<CommandResponse<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}
