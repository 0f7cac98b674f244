/**
 * A contact as a file gave it, before it is checked against the book's schema: its name and
 * numbers as written, labels already mapped.
 */
import type { NumberLabel } from '../../src-shared/contacts.js';

export interface CandidateContact {
  name: string;
  numbers: Array<{ number: string; label: NumberLabel }>;
  favourite: boolean;
}
