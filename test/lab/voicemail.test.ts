/**
 * The voicemail indicator against a provider that speaks as Asterisk does, through a NAT: the
 * count it sends unasked (out-of-dialog NOTIFYs to the registered Contact), which a stranger at
 * the same mapped port cannot forge; and the message-summary subscription, judged on the
 * provider's side (the SUBSCRIBE and its refreshes, our 200s to its NOTIFYs, a new subscription
 * after its 481) and on the count the client reports. The control (--voicemail-expires 0)
 * proves that the subscription on the wire is the client's doing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { contactHostPort } from './support/capture.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  header,
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
  type SipTraceEntry,
} from './support/peers.js';

const skip = announceSkip('lab: voicemail indicator', labUnavailableReason(['sipp', 'turnserver']));

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) lab.destroy();
});

interface VoicemailJson {
  waiting: boolean;
  newMessages: number | null;
  oldMessages: number | null;
}

function listenArgs(seconds: number, extra: string[]): string[] {
  return [
    'listen',
    '--server',
    `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
    '--user',
    LAB_USER,
    '--stun',
    `${PUBLIC.stunA}:3478`,
    '--seconds',
    String(seconds),
    ...extra,
    '--json',
  ];
}

const sent = (messages: SipTraceEntry[], start: string) =>
  messages.filter((m) => m.direction === 'sent' && m.startLine.startsWith(start));
const received = (messages: SipTraceEntry[], start: string) =>
  messages.filter((m) => m.direction === 'received' && m.startLine.startsWith(start));

describe.skipIf(skip).concurrent('voicemail (RFC 3842 message-summary) through a NAT', () => {
  it("reads the provider's unasked NOTIFYs, answers each 200, and ignores a stranger's", async () => {
    const lab = createLab({ nat: 'cone' });
    labs.push(lab);
    await startCoturn(lab);
    const registrar = await startSipp(lab, 'provider-registrar.xml', { calls: 1 });
    // The subscription is on, but this registrar names no event package in Allow-Events.
    const listening = runNatter(lab, listenArgs(20, []), {
      timeoutMs: 60_000,
    });
    await registrar.exited;
    const registered = sent(registrar.messages(), 'SIP/2.0 200').map(
      (m) => header(m.text, 'Contact') ?? '',
    )[0];
    const contact = contactHostPort(registered ?? null);
    if (!contact) throw new Error(`no registered Contact: ${registrar.output()}`);
    const target = `${contact.address}:${contact.port}`;
    const provider = await startSipp(lab, 'provider-notifies-mailbox.xml', { calls: 1, target });
    const providerExit = await provider.exited;
    const stranger = await startSipp(lab, 'stranger-notifies-mailbox.xml', {
      calls: 1,
      target,
      address: PUBLIC.stunB,
    });
    await stranger.exited;
    const run = await listening;

    // The provider's NOTIFYs went to the registered Contact through the router, each answered.
    expect(contact.address).toBe(PUBLIC.router);
    const notifies = sent(provider.messages(), 'NOTIFY');
    expect(notifies.length).toBeGreaterThanOrEqual(2);
    expect(header(notifies[0]!.text, 'To')).not.toMatch(/tag=/);
    const answers = received(provider.messages(), 'SIP/2.0 200 OK');
    expect(answers.map((m) => header(m.text, 'CSeq'))).toEqual(
      expect.arrayContaining(['102 NOTIFY', '103 NOTIFY']),
    );
    for (const answer of answers) {
      expect(header(answer.text, 'Call-ID')).toBe(header(notifies[0]!.text, 'Call-ID'));
      expect(header(answer.text, 'To')).toMatch(/;tag=/);
    }
    expect(providerExit, provider.output()).toBe(0);
    // The stranger was not answered at all.
    expect(sent(stranger.messages(), 'NOTIFY').length).toBeGreaterThan(0);
    expect(received(stranger.messages(), 'SIP/2.0')).toHaveLength(0);
    // No SUBSCRIBE to a registrar that does not take one: the counts came unasked.
    expect(received(registrar.messages(), 'SUBSCRIBE')).toHaveLength(0);

    const report = run.json as { registered: boolean; voicemail: VoicemailJson | null } | null;
    expect(report, run.stderr).toMatchObject({ registered: true });
    expect(report?.voicemail).toMatchObject({ waiting: true, newMessages: 2, oldMessages: 8 });
  }, 90_000);

  it('subscribes to the mailbox, refreshes before expiry, and subscribes anew after a 481; the control sends no SUBSCRIBE', async () => {
    async function subscribeRun(extra: string[]) {
      const lab = createLab({ nat: 'cone' });
      labs.push(lab);
      await startCoturn(lab);
      const mailbox = await startSipp(lab, 'provider-mailbox.xml', {
        calls: 3,
        extraArgs: ['-recv_timeout', '40000'],
      });
      const run = await runNatter(lab, listenArgs(30, extra), { timeoutMs: 70_000 });
      await Promise.race([mailbox.exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      mailbox.process.kill('SIGKILL');
      return { run, messages: mailbox.messages(), output: mailbox.output() };
    }
    const [subscribed, control] = await Promise.all([
      subscribeRun(['--voicemail-retry', '2']),
      subscribeRun(['--voicemail-expires', '0']),
    ]);

    const subscribes = received(subscribed.messages, 'SUBSCRIBE');
    const dialogs = [...new Set(subscribes.map((m) => header(m.text, 'Call-ID')))];
    // Initial (challenged, then with credentials), two refreshes, then a new subscription.
    const wire = subscribed.messages
      .map((m) => `${m.direction} ${m.startLine} ${header(m.text, 'CSeq') ?? ''}`)
      .join('\n');
    expect(subscribes.length, `${wire}\n${subscribed.run.stderr}`).toBeGreaterThanOrEqual(5);
    expect(dialogs.length).toBeGreaterThanOrEqual(2);
    for (const subscribe of subscribes) {
      expect(header(subscribe.text, 'Event')).toBe('message-summary');
      // A refresh may leave Accept out: RFC 3842 §3.3 makes this format the default.
      if (!/;tag=/.test(header(subscribe.text, 'To') ?? '')) {
        expect(header(subscribe.text, 'Accept')).toBe('application/simple-message-summary');
      }
      expect(Number(header(subscribe.text, 'Expires'))).toBeGreaterThan(0);
      // The Contact is the public mapping, through which the NOTIFYs come back.
      expect(header(subscribe.text, 'Contact')).toContain(`@${PUBLIC.router}:`);
    }
    const first = subscribes.filter((m) => header(m.text, 'Call-ID') === dialogs[0]);
    expect(first.some((m) => header(m.text, 'Authorization')?.startsWith('Digest'))).toBe(true);
    // The refreshes are in the dialog (the notifier's To tag) and come before the 4 s expire.
    const refreshes = first.filter((m) => /;tag=/.test(header(m.text, 'To') ?? ''));
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    // After the 481 the new subscription has its own dialog: a new Call-ID and From tag.
    const second = subscribes.filter((m) => header(m.text, 'Call-ID') === dialogs[1]);
    expect(header(second[0]!.text, 'From')).not.toBe(header(first[0]!.text, 'From'));
    expect(header(second[0]!.text, 'To')).not.toMatch(/tag=/);
    // Every NOTIFY the provider sent in the dialogs was answered 200.
    const notifies = sent(subscribed.messages, 'NOTIFY');
    const answered = received(subscribed.messages, 'SIP/2.0 200').filter((m) =>
      (header(m.text, 'CSeq') ?? '').endsWith('NOTIFY'),
    );
    expect(notifies.length).toBeGreaterThanOrEqual(3);
    expect(answered.length).toBeGreaterThanOrEqual(notifies.length);

    const report = subscribed.run.json as { voicemail: VoicemailJson | null } | null;
    expect(report, subscribed.run.stderr).toMatchObject({
      voicemail: { waiting: true, newMessages: 4, oldMessages: 1 },
    });

    // The control: registered just the same, but no SUBSCRIBE and no count.
    expect(received(control.messages, 'REGISTER').length).toBeGreaterThan(0);
    expect(received(control.messages, 'SUBSCRIBE')).toHaveLength(0);
    expect(control.run.json).toMatchObject({ registered: true, voicemail: null });
  }, 120_000);
});
