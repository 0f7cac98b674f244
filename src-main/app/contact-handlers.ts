/** The address book's commands, served from the contacts store (payloads already validated). */
import type { ContactsStore } from '../storage/contacts-store.js';
import type { InvokeHandlers } from './ipc-router.js';

type ContactCommand =
  'listContacts' | 'saveContact' | 'deleteContact' | 'importContacts' | 'exportContacts';

export function contactHandlers(contacts: ContactsStore): Pick<InvokeHandlers, ContactCommand> {
  return {
    listContacts: async () => contacts.list,
    saveContact: ({ contact }) => contacts.save(contact),
    deleteContact: ({ id }) => contacts.delete(id),
    importContacts: ({ fileName, text }) => contacts.import(fileName, text),
    exportContacts: async ({ format }) => contacts.export(format),
  };
}
