/** The persisted list of recent calls the dialer and the History page show, newest first. */
import { z } from 'zod';
import { callDirectionSchema, callEndCodeSchema, type CallInfo } from './domain.js';

/**
 * How a call turned out, as the History page marks it:
 * - `answered`: it was connected, in either direction;
 * - `missed`: incoming, never answered and not declined by the user (the caller gave up, or it
 *   was refused without the user's doing, e.g. while "Do not disturb" was on);
 * - `declined`: incoming and declined by the user, or outgoing and declined by the callee (603);
 * - `busy`, `no-answer`, `not-found`: outgoing, as the provider answered (486, 408/480, 404);
 * - `cancelled`: outgoing, the user hung up before it was answered;
 * - `failed`: outgoing, anything else that kept it from connecting.
 */
export const callOutcomeSchema = z.enum([
  'answered',
  'missed',
  'declined',
  'busy',
  'no-answer',
  'cancelled',
  'not-found',
  'failed',
]);
export type CallOutcome = z.infer<typeof callOutcomeSchema>;

/** Each outcome in the words the History page shows. */
export const CALL_OUTCOME_WORDS: Record<CallOutcome, string> = {
  answered: 'Answered',
  missed: 'Missed',
  declined: 'Declined',
  busy: 'Busy',
  'no-answer': 'No answer',
  cancelled: 'Cancelled',
  'not-found': 'Number not found',
  failed: 'Failed',
};

export const historyEntrySchema = z.object({
  id: z.string(),
  /** The other party's number (or SIP user) as dialled or as the caller presented it. */
  number: z.string(),
  /** The other party's display name, when the call carried one. */
  name: z.string().nullable(),
  direction: callDirectionSchema,
  /** ISO 8601 times: when the call began ringing, was answered, ended. */
  startedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** From answer to end, whole seconds; null for a call never answered. */
  durationSeconds: z.number().int().nonnegative().nullable(),
  outcome: callOutcomeSchema,
  /** The engine's sentence on why the call ended, e.g. "The line is busy". */
  result: z.string(),
  code: callEndCodeSchema.nullable(),
  /** The final SIP status that ended it, when a response did. */
  sipStatus: z.number().int().nullable(),
  /** The WAV file the call was recorded to; absent when it was not recorded. */
  recording: z.object({ file: z.string().max(255), path: z.string().max(1400) }).optional(),
  /** The account the call was on; absent: the first account. */
  accountId: z.string().max(32).optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const HISTORY_LIMIT = 200;

/** Which calls the History page lists: every one, or those to return. */
export const historyShownSchema = z.enum(['all', 'missed']);
export type HistoryShown = z.infer<typeof historyShownSchema>;

/** What decides an outcome; all of it is also in entries written before outcomes were stored. */
export interface OutcomeFacts {
  direction: CallInfo['direction'];
  answered: boolean;
  code: HistoryEntry['code'];
  sipStatus: number | null;
}

export function callOutcomeOf({ direction, answered, code, sipStatus }: OutcomeFacts): CallOutcome {
  if (answered) return 'answered';
  if (direction === 'incoming') {
    // The engine ends a ringing call the user refused as `rejected`, or as `hangup-local` when
    // it was hung up rather than declined; anything else happened without the user.
    return code === 'rejected' || code === 'hangup-local' ? 'declined' : 'missed';
  }
  switch (code) {
    case 'busy':
      return 'busy';
    case 'declined':
    case 'rejected':
      return 'declined';
    case 'not-found':
      return 'not-found';
    case 'timeout':
      return 'no-answer';
    case 'unavailable':
      // 408 and 480 mean nobody picked up; 503 and other 5xx mean the provider failed.
      return sipStatus === null || sipStatus < 500 ? 'no-answer' : 'failed';
    case 'hangup-local':
    case 'cancelled':
      return 'cancelled';
    default:
      return 'failed';
  }
}

export function durationSecondsOf(
  answeredAt: string | null,
  endedAt: string | null,
): number | null {
  if (!answeredAt || !endedAt) return null;
  const milliseconds = Date.parse(endedAt) - Date.parse(answeredAt);
  return Number.isFinite(milliseconds) ? Math.max(0, Math.round(milliseconds / 1000)) : null;
}

/** How an ended call turned out, from the call as the engine reports it. */
export function outcomeOfCall(call: CallInfo): CallOutcome {
  return callOutcomeOf({
    direction: call.direction,
    answered: call.answeredAt !== null,
    code: call.end?.code ?? null,
    sipStatus: call.end?.sipStatus ?? null,
  });
}

export function historyEntryOf(call: CallInfo): HistoryEntry {
  const code = call.end?.code ?? null;
  const sipStatus = call.end?.sipStatus ?? null;
  return {
    id: call.id,
    number: call.remote,
    name: call.remoteDisplayName,
    direction: call.direction,
    startedAt: call.startedAt,
    answeredAt: call.answeredAt,
    endedAt: call.endedAt,
    durationSeconds: durationSecondsOf(call.answeredAt, call.endedAt),
    outcome: outcomeOfCall(call),
    result: call.end?.message ?? call.state,
    code,
    sipStatus,
    ...(call.recording
      ? { recording: { file: call.recording.file, path: call.recording.path } }
      : {}),
    ...(call.accountId ? { accountId: call.accountId } : {}),
  };
}
