/**
 * Address book files on the page's side: a picked file is read as text for main to parse, and
 * an export main wrote is handed to the browser's download (ui/download-export.ts). The page
 * never parses a file itself.
 */
import { IMPORT_TEXT_LIMIT } from '../../../src-shared/contacts.js';

/** The picked file's text, or a sentence saying why it was not read. */
export async function textOfPickedFile(
  file: File,
): Promise<{ text: string } | { problem: string }> {
  if (file.size > IMPORT_TEXT_LIMIT) return { problem: `${file.name} is larger than 8 MB.` };
  try {
    return { text: await file.text() };
  } catch {
    return { problem: `${file.name} could not be read.` };
  }
}
