/**
 * The engine in-process against sipp on loopback: the parts of a call the CLI does not drive
 * (busy, cancel while ringing, hold and unhold, DTMF, the remote hanging up, the provider's
 * session refreshes).
 */
import type { ChildProcess } from 'node:child_process';
import { parse as parseSdp } from 'sdp-transform';
import { afterEach, describe, expect, it } from 'vitest';
import { NatterEngine, type EngineHooks } from '../../src-main/engine/natter-engine.js';
import { digitsOfFrames } from '../support/dtmf-tones.js';
import type { EngineOptions } from '../../src-main/engine/engine-options.js';
import type { CallInfo } from '../../src-shared/domain.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
  waitFor,
} from './support/peers.js';

const skip = announceSkip('lab: call features', hasCommand('sipp') ? null : 'needs sipp');

const running: ChildProcess[] = [];
const engines: NatterEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.shutdown();
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

async function sipp(scenario: string, extraArgs: string[] = []): Promise<LoopbackSipp> {
  const provider = await startLoopbackSipp(scenario, extraArgs);
  running.push(provider.child);
  return provider;
}

async function registeredEngine(
  provider: LoopbackSipp,
  options: Partial<EngineOptions> = {},
  hooks: EngineHooks = {},
): Promise<NatterEngine> {
  const engine = new NatterEngine(
    { stunServers: [], localAddress: '127.0.0.1', ...options },
    hooks,
  );
  engines.push(engine);
  const registration = await engine.invoke('register', {
    account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER },
    password: LAB_PASSWORD,
  });
  expect(registration.state, provider.output()).toBe('registered');
  return engine;
}

function history(engine: NatterEngine, callId: string): CallInfo[] {
  const seen: CallInfo[] = [];
  engine.on('call', (info) => {
    if (info.id === callId) seen.push(info);
  });
  return seen;
}

async function until(seen: CallInfo[], predicate: (info: CallInfo) => boolean, ms = 8000) {
  const ok = await waitFor(() => seen.some(predicate), ms);
  if (!ok) throw new Error(`never: ${JSON.stringify(seen.map((s) => s.state))}`);
  return seen.find(predicate) as CallInfo;
}

describe.skipIf(skip)('calls against sipp on loopback', () => {
  it('a busy line ends the call with a plain reason', async () => {
    const provider = await sipp('provider-busy.xml');
    const engine = await registeredEngine(provider);
    const call = await engine.invoke('call', { target: '15145550100' });
    const seen = history(engine, call.id);
    const ended = await until(seen, (info) => info.state === 'ended');
    expect(ended.end).toMatchObject({ code: 'busy', sipStatus: 486 });
    expect(ended.end?.message).toMatch(/busy/i);
  });

  it('hanging up while it rings sends CANCEL', async () => {
    const provider = await sipp('provider-ringing.xml');
    const engine = await registeredEngine(provider);
    const call = await engine.invoke('call', { target: '15145550100' });
    const seen = history(engine, call.id);
    await until(seen, (info) => info.state === 'ringing');
    const ended = await engine.invoke('hangup', { callId: call.id });
    expect(ended.state).toBe('ended');
    expect(ended.end?.code).toBe('hangup-local');
    const arrived = await waitFor(
      () => parseSippMessageLog(provider.log).some((m) => m.startLine.startsWith('CANCEL')),
      3000,
    );
    expect(arrived).toBe(true);
    expect(ended.answeredAt).toBeNull();
  });

  it('hold and unhold by re-INVITE, DTMF both ways, and the remote hanging up', async () => {
    const provider = await sipp('provider-hold.xml', ['-rtp_echo']);
    const engine = await registeredEngine(provider);
    const digits: string[] = [];
    engine.on('dtmfReceived', ({ digit }) => digits.push(digit));
    const call = await engine.invoke('call', { target: '4443' });
    const seen = history(engine, call.id);
    await until(seen, (info) => info.state === 'connected');

    // RFC 4733 events go out and, echoed by the provider, come back in.
    await engine.invoke('sendDtmf', { callId: call.id, digits: '47#' });
    expect(await waitFor(() => digits.join('') === '47#', 3000)).toBe(true);

    const held = await engine.invoke('hold', { callId: call.id, hold: true });
    expect(held.state).toBe('on-hold');
    const resumed = await engine.invoke('hold', { callId: call.id, hold: false });
    expect(resumed.state).toBe('connected');

    const ended = await until(seen, (info) => info.state === 'ended').catch((error: Error) => {
      const log = parseSippMessageLog(provider.log).map(
        (m) => `${m.direction}: ${m.text.slice(0, 500)}`,
      );
      throw new Error(
        `${error.message}\n${log.slice(-4).join('\n')}\n${provider.output().slice(-300)}`,
      );
    });
    expect(ended.end?.code).toBe('hangup-remote');
    expect(ended.stats.packetsSent).toBeGreaterThan(20);
    expect(ended.stats.packetsReceived).toBeGreaterThan(20);

    const invites = parseSippMessageLog(provider.log).filter(
      (m) => m.direction === 'received' && m.startLine.startsWith('INVITE'),
    );
    expect(invites).toHaveLength(3);
    expect(invites[1]?.text).toMatch(/a=sendonly/);
    expect(invites[2]?.text).toMatch(/a=sendrecv/);
  });

  describe('keypad digits by SIP INFO', () => {
    /** The INFO requests the provider received, and the final answers it got to its own. */
    function infoExchange(provider: LoopbackSipp) {
      const log = parseSippMessageLog(provider.log);
      return {
        sent: log.filter((m) => m.direction === 'received' && m.startLine.startsWith('INFO ')),
        answers: log.filter(
          (m) => m.direction === 'received' && /^SIP\/2\.0 [2-6]\d\d /.test(m.startLine),
        ),
      };
    }
    // (sipp's log drops the message's last line break.)
    const bodyOf = (text: string) => (text.split(/\r?\n\r?\n/)[1] ?? '').trimEnd();

    it('go by INFO to a far end that took no telephone-event, and its own come in', async () => {
      // As Asterisk with dtmf_mode=info: the answer to a call to 4444 carries PCMU only.
      const provider = await sipp('provider-takes-info-dtmf.xml');
      const engine = await registeredEngine(provider);
      const digits: string[] = [];
      engine.on('dtmfReceived', ({ digit }) => digits.push(digit));
      const call = await engine.invoke('call', { target: '4444' });
      const seen = history(engine, call.id);
      await until(seen, (info) => info.state === 'connected');
      // The call's screen is told the way its digits go, and is told again when the setting moves.
      expect(seen.at(-1)?.keypad).toBe('sip-info');

      // Asked for events only, the call says it cannot carry them; nothing goes out.
      engine.configure({ dtmfMethod: 'rfc4733' });
      expect(seen.at(-1)?.keypad).toBe('none');
      await expect(engine.invoke('sendDtmf', { callId: call.id, digits: '1' })).rejects.toThrow(
        /no telephone-event/,
      );
      engine.configure({ dtmfMethod: 'auto' });
      expect(seen.at(-1)?.keypad).toBe('sip-info');
      await engine.invoke('sendDtmf', { callId: call.id, digits: '5#' });
      expect(await waitFor(() => digits.length > 0, 5000)).toBe(true);
      const ended = await until(seen, (info) => info.state === 'ended');
      expect(ended.end?.code).toBe('hangup-remote');

      const { sent, answers } = infoExchange(provider);
      expect(sent.map((m) => bodyOf(m.text))).toEqual([
        'Signal=5\r\nDuration=100',
        'Signal=#\r\nDuration=100',
      ]);
      for (const info of sent)
        expect(info.text).toMatch(/^Content-Type: application\/dtmf-relay\r?$/im);
      // Its Signal=9 is heard as the digit 9; its video update is refused 415, naming what we take.
      expect(digits).toEqual(['9']);
      const refusal = answers.find((m) => m.startLine.startsWith('SIP/2.0 415'));
      expect(refusal?.text).toMatch(/^Accept: application\/dtmf-relay, application\/dtmf\r?$/im);
    });

    it('go by INFO when chosen, even where the call took telephone-events', async () => {
      // The provider echoes our RTP: an event sent there would come back as a digit.
      const provider = await sipp('provider-takes-info-dtmf.xml', ['-rtp_echo']);
      const engine = await registeredEngine(provider, { dtmfMethod: 'sip-info' });
      const digits: string[] = [];
      engine.on('dtmfReceived', ({ digit }) => digits.push(digit));
      const call = await engine.invoke('call', { target: '4443' });
      const seen = history(engine, call.id);
      await until(seen, (info) => info.state === 'connected');
      expect(seen.at(-1)?.keypad).toBe('sip-info');
      // Automatic would send this call's digits as events: it took telephone-event.
      engine.configure({ dtmfMethod: 'auto' });
      expect(seen.at(-1)?.keypad).toBe('rfc4733');
      engine.configure({ dtmfMethod: 'sip-info' });
      await engine.invoke('sendDtmf', { callId: call.id, digits: '5#' });
      await until(seen, (info) => info.state === 'ended');
      expect(infoExchange(provider).sent).toHaveLength(2);
      expect(digits).toEqual(['9']);
    });
  });

  it('keypad digits go as tones in the audio when chosen, through G.711 and back', async () => {
    // The provider echoes our RTP: what we hear is what went out, after PCMU both ways.
    const provider = await sipp('provider-answers-at-once.xml', ['-rtp_echo']);
    const heard: Int16Array[] = [];
    const engine = await registeredEngine(
      provider,
      { dtmfMethod: 'inband' },
      { onCallAudio: (_callId, frame) => heard.push(frame) },
    );
    const events: string[] = [];
    engine.on('dtmfReceived', ({ digit }) => events.push(digit));
    const call = await engine.invoke('call', { target: '4443' });
    const seen = history(engine, call.id);
    await until(seen, (info) => info.state === 'connected');
    expect(seen.at(-1)?.keypad).toBe('inband');
    expect(await waitFor(() => heard.length > 10, 3000)).toBe(true);
    heard.length = 0;
    await engine.invoke('sendDtmf', { callId: call.id, digits: '5#9' });
    // Three keys take 480 ms; the echo's way back adds the jitter buffer's delay.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await engine.invoke('hangup', { callId: call.id });
    expect(digitsOfFrames(heard)).toBe('5#9');
    // The call took telephone-event, yet none was sent: nothing came back as an event.
    expect(events).toEqual([]);
  });

  it('rejects a malformed command payload without touching the call state', async () => {
    const engine = new NatterEngine({ stunServers: [] });
    engines.push(engine);
    await expect(
      engine.invoke('call', { target: 'sip:evil@host;<script>' } as never),
    ).rejects.toThrow(/invalid call request/);
    await expect(engine.invoke('hangup', { callId: '' } as never)).rejects.toThrow(/invalid/);
    await expect(engine.invoke('call', { target: '4443' })).rejects.toThrow(/not registered/);
  });

  it('survives the provider’s session refreshes: a re-INVITE with its SDP unchanged, and one without SDP', async () => {
    const provider = await sipp('provider-refreshes-session.xml', ['-rtp_echo']);
    const engine = await registeredEngine(provider);
    const call = await engine.invoke('call', { target: '4443' });
    const seen = history(engine, call.id);
    await until(seen, (info) => info.state === 'connected');
    const messages = () => parseSippMessageLog(provider.log);
    const answersTo = (cseq: string) =>
      messages().filter(
        (m) =>
          m.direction === 'received' &&
          m.startLine.startsWith('SIP/2.0 200') &&
          new RegExp(`^CSeq:\\s*${cseq}\\s*$`, 'im').test(m.text),
      );
    // The provider's two refreshes (its CSeq 1 and 2) answered, each ACKed (its scenario goes on).
    const answered = await waitFor(() => answersTo('2 INVITE').length > 0, 8000);
    expect(answered, provider.output()).toBe(true);
    const offer = messages().find(
      (m) => m.direction === 'received' && m.startLine.startsWith('INVITE'),
    );
    const sdpOf = (text: string | undefined) => parseSdp(text?.split(/\r?\n\r?\n/)[1] ?? '');
    const ours = sdpOf(offer?.text);
    expect(ours.origin?.sessionId).toBeDefined();
    expect(ours.media[0]?.port).toBeGreaterThan(0);
    const refreshAnswer = sdpOf(answersTo('1 INVITE')[0]?.text);
    const refreshOffer = sdpOf(answersTo('2 INVITE')[0]?.text);
    for (const [what, sdp] of [
      ['answer to the unchanged offer', refreshAnswer],
      ['offer in the 200 to the offerless re-INVITE', refreshOffer],
    ] as const) {
      // The same session (RFC 3264 §8: o= session id kept, its version never going back), the
      // same address and port, and still both ways: a refresh changes nothing of the call.
      expect(sdp.origin?.sessionId, what).toBe(ours.origin?.sessionId);
      expect(Number(sdp.origin?.sessionVersion), what).toBeGreaterThanOrEqual(
        Number(ours.origin?.sessionVersion),
      );
      expect(sdp.connection?.ip ?? sdp.media[0]?.connection?.ip, what).toBe(
        ours.connection?.ip ?? ours.media[0]?.connection?.ip,
      );
      expect(sdp.media[0]?.port, what).toBe(ours.media[0]?.port);
      expect(sdp.media[0]?.direction ?? 'sendrecv', what).toBe('sendrecv');
    }
    expect(refreshOffer.media[0]?.rtp.map((codec) => codec.codec)).toContain('PCMU');
    // Audio still flows both ways after the refreshes: the provider echoes what it receives.
    const receivedNow = () => seen.at(-1)?.stats.packetsReceived ?? 0;
    const before = receivedNow();
    expect(await waitFor(() => receivedNow() > before + 50, 4000)).toBe(true);
    expect(seen.at(-1)?.state).toBe('connected');
    await engine.invoke('hangup', { callId: call.id });
    expect(
      await waitFor(
        () =>
          provider.child.exitCode !== null || messages().some((m) => m.startLine.startsWith('BYE')),
        4000,
      ),
    ).toBe(true);
  });
});
