/**
 * History as a CSV file (papaparse), for a spreadsheet or an expense report: one row per call,
 * newest first as the page lists it, with the name the address book gives the number. What came
 * from the network (a caller's number or display name) can start like a formula, so every text
 * cell but a plain phone number is written as the contacts export writes its names.
 */
import Papa from 'papaparse';
import { CALL_OUTCOME_WORDS, type HistoryEntry } from '../../src-shared/call-history.js';
import type { ContactExport } from '../../src-shared/contacts.js';
import { safeCell } from '../contacts/csv-codec.js';

export const HISTORY_CSV_HEADER = [
  'Started',
  'Direction',
  'Number',
  'Name',
  'Account',
  'Outcome',
  'Duration (s)',
  'Result',
  'SIP status',
] as const;

/** A number as dialled or presented: digits with a leading `+`, `*` codes, separators. */
const PLAIN_NUMBER = /^[+\d*#][\d\s().*#-]*$/;

function numberCell(number: string): string {
  return PLAIN_NUMBER.test(number) ? number : safeCell(number);
}

export interface HistoryExportNames {
  /** The address book's name for a number, else the name the call presented. */
  nameFor(number: string, presented: string | null): string | null;
  /** The label of the account a call was on; null for one since removed. */
  accountLabel(accountId: string | undefined): string | null;
}

export function csvOfHistory(entries: readonly HistoryEntry[], names: HistoryExportNames): string {
  const rows = entries.map((entry) => [
    entry.startedAt,
    entry.direction === 'incoming' ? 'Incoming' : 'Outgoing',
    numberCell(entry.number),
    safeCell(names.nameFor(entry.number, entry.name) ?? ''),
    safeCell(names.accountLabel(entry.accountId) ?? ''),
    CALL_OUTCOME_WORDS[entry.outcome],
    entry.durationSeconds === null ? '' : String(entry.durationSeconds),
    safeCell(entry.result),
    entry.sipStatus === null ? '' : String(entry.sipStatus),
  ]);
  return Papa.unparse({ fields: [...HISTORY_CSV_HEADER], data: rows }, { newline: '\r\n' });
}

export function historyExport(
  entries: readonly HistoryEntry[],
  names: HistoryExportNames,
  now = new Date(),
): ContactExport {
  return {
    fileName: `natter-history-${now.toISOString().slice(0, 10)}.csv`,
    mimeType: 'text/csv',
    text: csvOfHistory(entries, names),
  };
}
