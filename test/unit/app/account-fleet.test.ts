/**
 * The accounts run as one phone (src-main/app/account-fleet.ts), with stand-in engines that
 * record the commands they get: a command about a call reaches the engine that owns the call,
 * a new call or an answer on one account first holds the call talked on at another (and cancels
 * one still ringing out), and every engine hears of the other lines' changes. The engines
 * themselves meet real peers in test/e2e/accounts*.e2e.test.ts.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AccountFleet } from '../../../src-main/app/account-fleet.js';
import type { NatterEngine } from '../../../src-main/engine/natter-engine.js';
import type { CallInfo, Voicemail } from '../../../src-shared/domain.js';
import { callInfo } from '../../support/call-info.js';

class RecordingEngine {
  readonly events = new EventEmitter();
  readonly commands: [string, unknown][] = [];
  linesChanged = 0;
  natStatus = null;
  constructor(readonly answers: Record<string, CallInfo> = {}) {}
  on(event: string, listener: (payload: unknown) => void) {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }
  emitCall(call: CallInfo) {
    this.events.emit('call', call);
  }
  emitVoicemail(voicemail: Voicemail) {
    this.events.emit('voicemail', voicemail);
  }
  async invoke(command: string, request: { callId?: string; target?: string }) {
    this.commands.push([command, request]);
    if (command === 'snapshot') return { registration: null, nat: null, calls: [] };
    if (command === 'setStunServers') return null;
    const answer = this.answers[request.callId ?? request.target ?? ''];
    if (!answer) throw Object.assign(new Error('no call'), { code: 'no-call' });
    if (command === 'hold') this.emitCall({ ...answer, state: 'on-hold' });
    return answer;
  }
  otherLinesChanged() {
    this.linesChanged++;
  }
  async shutdown() {}
}

const line = (label: string) => ({ label, doNotDisturb: false, autoAnswerSeconds: 0 });
const asEngine = (engine: RecordingEngine) => engine as unknown as NatterEngine;

function twoLines() {
  const talking = callInfo({ id: 'a-1', state: 'connected', direction: 'incoming' });
  const ringing = callInfo({ id: 'b-1', state: 'incoming', direction: 'incoming' });
  const first = new RecordingEngine({ 'a-1': talking });
  const office = new RecordingEngine({ 'b-1': ringing, '4443': callInfo({ id: 'b-2' }) });
  const fleet = new AccountFleet(asEngine(first), line('Home'));
  fleet.add('office', asEngine(office), line('Office'));
  first.emitCall(talking);
  office.emitCall(ringing);
  return { fleet, first, office };
}

describe('accounts as one phone', () => {
  it('tags each call with its account and routes commands about it to its engine', async () => {
    const { fleet, first, office } = twoLines();
    const seen: CallInfo[] = [];
    fleet.on('call', (call) => seen.push(call));
    office.emitCall(callInfo({ id: 'b-1', state: 'incoming' }));
    expect(seen.at(-1)?.accountId).toBe('office');
    await fleet.forCall('hangup', { callId: 'b-1' });
    expect(office.commands).toContainEqual(['hangup', { callId: 'b-1' }]);
    expect(first.commands.some(([command]) => command === 'hangup')).toBe(false);
    // A call nobody knows goes to the first engine, whose answer says there is no such call.
    await expect(fleet.forCall('hangup', { callId: 'nope' })).rejects.toMatchObject({
      code: 'no-call',
    });
    expect(fleet.callsElsewhere('office').map((call) => call.id)).toEqual(['a-1']);
    expect(fleet.labelOf('office')).toBe('Office');
  });

  it('answering on one account holds the call talked on at the other first', async () => {
    const { fleet, first, office } = twoLines();
    await fleet.answer({ callId: 'b-1', holdOthers: true });
    expect(first.commands).toContainEqual(['hold', { callId: 'a-1', hold: true }]);
    const holdAt = first.commands.findIndex(([command]) => command === 'hold');
    expect(holdAt).toBeGreaterThanOrEqual(0);
    expect(office.commands.at(-1)).toEqual(['answer', { callId: 'b-1', holdOthers: true }]);
    // The held call is on hold in the fleet's view too, so the office line no longer waits.
    expect(fleet.callsElsewhere('office')[0]?.state).toBe('on-hold');
    expect(office.linesChanged).toBeGreaterThan(0);
  });

  it('a plain answer leaves the other account’s call alone (the engine refuses it there)', async () => {
    const { fleet, first } = twoLines();
    await fleet.answer({ callId: 'b-1' });
    expect(first.commands.some(([command]) => command === 'hold')).toBe(false);
  });

  it('a new call from an account holds the other account’s call and cancels one ringing out', async () => {
    const { fleet, first, office } = twoLines();
    const dialling = callInfo({ id: 'a-2', state: 'ringing', direction: 'outgoing' });
    first.answers['a-2'] = dialling;
    first.emitCall(dialling);
    const placed = await fleet.call({ target: '4443', accountId: 'office' });
    expect(placed.accountId).toBe('office');
    expect(first.commands).toContainEqual(['hold', { callId: 'a-1', hold: true }]);
    expect(first.commands).toContainEqual(['hangup', { callId: 'a-2' }]);
    expect(office.commands.at(-1)).toEqual(['call', { target: '4443' }]);
    // Hung up before the engine told of any progress: the call still reaches its engine.
    await fleet.forCall('hangup', { callId: 'b-2' }).catch(() => undefined);
    expect(office.commands.at(-1)).toEqual(['hangup', { callId: 'b-2' }]);
    await expect(fleet.call({ target: '4443', accountId: 'gone' })).rejects.toMatchObject({
      code: 'no-account',
    });
  });

  it('a call the other account refuses at once gives back the call held for it', async () => {
    const { fleet, first } = twoLines();
    await expect(fleet.call({ target: '5555', accountId: 'office' })).rejects.toMatchObject({
      code: 'no-call',
    });
    expect(first.commands).toContainEqual(['hold', { callId: 'a-1', hold: true }]);
    expect(first.commands.at(-1)).toEqual(['switchTo', { callId: 'a-1' }]);
  });

  it('a removed account is shut down and its calls leave the other lines’ view', async () => {
    const { fleet, first } = twoLines();
    await fleet.remove('office');
    expect(fleet.ids).toEqual(['first']);
    expect(fleet.callsElsewhere('first')).toEqual([]);
    expect(first.linesChanged).toBeGreaterThan(0);
  });

  it('counts each account’s mailbox alone, and all of them as one for the header', async () => {
    const { fleet, first, office } = twoLines();
    const totals: Voicemail[] = [];
    fleet.on('voicemail', (total) => totals.push(total));
    const report = (newMessages: number, oldMessages: number): Voicemail => ({
      waiting: newMessages > 0,
      newMessages,
      oldMessages,
      urgentNew: 0,
      urgentOld: 0,
      at: new Date().toISOString(),
    });
    office.emitVoicemail(report(1, 0));
    expect(totals.at(-1)).toMatchObject({ waiting: true, newMessages: 1 });
    first.emitVoicemail(report(2, 5));
    expect(fleet.statuses().map((account) => account.voicemail?.newMessages ?? null)).toEqual([
      2, 1,
    ]);
    expect(
      fleet.mailboxes().map(({ label, voicemail }) => [label, voicemail?.newMessages]),
    ).toEqual([
      ['Home', 2],
      ['Office', 1],
    ]);
    expect(totals.at(-1)).toMatchObject({ waiting: true, newMessages: 3, oldMessages: 5 });
    expect((await fleet.snapshot()).voicemail).toMatchObject({ newMessages: 3, oldMessages: 5 });
    // Office's messages were listened to: the header keeps the first account's.
    office.emitVoicemail(report(0, 1));
    expect(totals.at(-1)).toMatchObject({ waiting: true, newMessages: 2, oldMessages: 6 });
    expect(fleet.statuses()[1]?.voicemail).toMatchObject({ waiting: false, newMessages: 0 });
    await fleet.remove('office');
    expect(totals.at(-1)).toMatchObject({ newMessages: 2, oldMessages: 5 });
  });

  it('a new STUN list reaches every account, each checking its NAT again', async () => {
    const { fleet, first, office } = twoLines();
    await fleet.setStunServers(['127.0.0.1:3478']);
    for (const engine of [first, office]) {
      expect(engine.commands).toContainEqual(['setStunServers', { servers: ['127.0.0.1:3478'] }]);
    }
    await fleet.setStunServers([]);
    expect(office.commands.at(-1)).toEqual(['setStunServers', { servers: [] }]);
  });
});
