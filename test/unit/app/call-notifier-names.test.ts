/** The desktop notification of an incoming call names the caller as the address book knows them. */
import { describe, expect, it } from 'vitest';
import {
  CallNotifier,
  type CallNotifierOptions,
} from '../../../src-main/app/shell/call-notifier.js';
import { ContactsStore } from '../../../src-main/storage/contacts-store.js';
import type { CallInfo } from '../../../src-shared/domain.js';

function notifierShowing(bodies: string[], nameFor?: CallNotifierOptions['nameFor']) {
  class FakeNotification {
    static isSupported = () => true;
    constructor(options: { body?: string }) {
      bodies.push(options.body ?? '');
    }
    show() {}
    close() {}
    on() {
      return this;
    }
  }
  return new CallNotifier({
    Notification: FakeNotification as unknown as CallNotifierOptions['Notification'],
    supportsActions: false,
    showWindow: () => undefined,
    showMissedCalls: () => undefined,
    isWindowInView: () => false,
    answer: async () => undefined,
    decline: async () => undefined,
    onMissedChange: () => undefined,
    ...(nameFor ? { nameFor } : {}),
  });
}

const ringing = (remote: string, remoteDisplayName: string | null) =>
  ({ id: remote, direction: 'incoming', state: 'incoming', remote, remoteDisplayName }) as CallInfo;

describe('an incoming call notification', () => {
  it('shows the contact name for a number in the book, the caller own name otherwise', async () => {
    const contacts = new ContactsStore(null);
    await contacts.save({
      name: 'Jane Doe',
      favourite: false,
      numbers: [{ number: '514-555-0101', label: 'mobile' }],
    });
    const bodies: string[] = [];
    const notifier = notifierShowing(bodies, (number, presented) =>
      contacts.nameFor(number, presented),
    );
    notifier.onCall(ringing('15145550101', 'WIRELESS CALLER'));
    notifier.onCall(ringing('15145559999', 'WIRELESS CALLER'));
    notifier.onCall(ringing('15145558888', null));
    expect(bodies).toEqual([
      'Jane Doe · (514) 555-0101',
      'WIRELESS CALLER · (514) 555-9999',
      '(514) 555-8888',
    ]);
  });
});
