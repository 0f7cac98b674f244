import type { ContactExport } from '../../../src-shared/contacts.js';

/**
 * A file main wrote (the address book, History) handed to the browser's download: the app's
 * window saves it where the user chooses.
 */
export function downloadExport({ fileName, mimeType, text }: ContactExport): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mimeType};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // The download has taken its copy once the click's task has run.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
