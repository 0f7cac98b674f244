/** The persisted list of recent calls the dialer shows, newest first. */
import { z } from 'zod';
import { callDirectionSchema, callEndCodeSchema, type CallInfo } from './domain.js';

export const historyEntrySchema = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string().nullable(),
  direction: callDirectionSchema,
  startedAt: z.string(),
  durationSeconds: z.number().int().nonnegative().nullable(),
  result: z.string(),
  code: callEndCodeSchema.nullable(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const HISTORY_LIMIT = 200;

export function historyEntryOf(call: CallInfo): HistoryEntry {
  const duration =
    call.answeredAt && call.endedAt
      ? Math.max(0, Math.round((Date.parse(call.endedAt) - Date.parse(call.answeredAt)) / 1000))
      : null;
  return {
    id: call.id,
    number: call.remote,
    name: call.remoteDisplayName,
    direction: call.direction,
    startedAt: call.startedAt,
    durationSeconds: duration,
    result: call.end?.message ?? call.state,
    code: call.end?.code ?? null,
  };
}
