/**
 * A three-way conference judged by the two far parties, behind Kamailio: the phone behind a cone
 * NAT registers with the provider and calls two baresip parties that registered there too, each
 * speaking its own tone (440 Hz on PCMU, 1000 Hz on PCMA), while the user's microphone speaks
 * 700 Hz through the app's own audio router. What each party heard is the audio that reached its
 * RTP ports on the provider's side of the router, decoded; what the user heard is what the
 * phone's speaker played. Merged, each hears the other two and never itself; muted, the parties
 * only each other; split, the held party hears nothing; a leg hung up, the other stays with the
 * user.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import type { CallInfo } from '../../src-shared/domain.js';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  audioArriving,
  PARTY_SAMPLE_RATE,
  framesWithTone,
  joinFrames,
  startRegisteredParty,
  type BaresipParty,
} from './support/baresip-party.js';
import { startCapture, type UdpPacket } from './support/capture.js';
import { CARRIER, startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import { delay, startCoturn, waitFor } from './support/peers.js';
import { startPhoneInClient, type LabPhone } from './support/phone.js';

const skip = announceSkip(
  'lab: conference',
  labUnavailableReason(['kamailio', 'kamcmd', 'turnserver', 'baresip', 'tshark']),
);
installLabCleanup();

const USER_TONE = 700;
const ALICE_TONE = 440;
const BOB_TONE = 1000;
/** Frames in a listening window: 1.5 s. */
const WINDOW_FRAMES = 75;
/** The parties' SIP and first RTP ports on the carrier's address. */
const ALICE = { user: 'alice', sipPort: 5080, rtpPort: 16500 } as const;
const BOB = { user: 'bob', sipPort: 5090, rtpPort: 16600 } as const;

/**
 * The provider (Kamailio, coturn for STUN) with both parties registered, a capture of what
 * reaches the parties' RTP ports on the provider's side of the router, and the phone behind the
 * router, registered.
 */
async function conferenceLab(test: TestContext) {
  // Each party answers and speaks at once, before our first RTP reaches it: as behind a home
  // router's firewall, those first datagrams are dropped without taking our public port.
  const lab: Lab = createLab({ nat: 'cone', wanFirewall: true });
  test.onTestFinished(() => lab.destroy());
  await startCoturn(lab);
  const kamailio = await startKamailio(lab);
  const mediaPorts = [ALICE, BOB]
    .map(({ rtpPort }) => `udp dst portrange ${rtpPort}-${rtpPort + 9}`)
    .join(' or ');
  const [alice, bob, capture] = await Promise.all([
    startRegisteredParty(lab, kamailio, { ...ALICE, frequency: ALICE_TONE, codec: 'PCMU' }),
    startRegisteredParty(lab, kamailio, { ...BOB, frequency: BOB_TONE, codec: 'PCMA' }),
    startCapture(
      lab,
      lab.internet,
      lab.internetInterface,
      `udp and not dst host ${PUBLIC.router} and (${mediaPorts})`,
    ),
  ]);
  const phone = await startPhoneInClient(lab, { tone: USER_TONE });
  test.onTestFinished(() => phone.stop());
  expect(phone.registration.state, phone.stderr()).toBe('registered');
  return { phone, parties: { alice, bob }, capture, kamailio };
}

type Phone = LabPhone;

function latest(phone: Phone, predicate: (info: CallInfo) => boolean): CallInfo | undefined {
  return [...phone.events].reverse().find(predicate);
}

async function until(phone: Phone, predicate: (info: CallInfo) => boolean, ms = 10_000) {
  const ok = await waitFor(() => latest(phone, predicate) !== undefined, ms);
  if (!ok) throw new Error(`never happened; saw ${phone.events.map((e) => e.state).join(',')}`);
  return latest(phone, predicate) as CallInfo;
}

const stateOf = (phone: Phone, id: string) => latest(phone, (info) => info.id === id);

/** Opens a listening window now (after audio already on its way has arrived) and closes it. */
async function window(): Promise<Window> {
  await delay(300);
  const from = Date.now() / 1000;
  await delay(WINDOW_FRAMES * 20);
  return { from, to: Date.now() / 1000 };
}

interface Window {
  from: number;
  to: number;
}

const tonesIn = (samples: Int16Array, sampleRate?: number) => ({
  user: framesWithTone(samples, USER_TONE, sampleRate),
  alice: framesWithTone(samples, ALICE_TONE, sampleRate),
  bob: framesWithTone(samples, BOB_TONE, sampleRate),
});

/**
 * What each far party received on the wire in a window, and what the user's speaker played:
 * counts of frames carrying each tone.
 */
function heardIn(
  packets: UdpPacket[],
  phone: Phone,
  parties: { alice: BaresipParty; bob: BaresipParty },
  span: Window,
) {
  const speaker = phone.speaker
    .filter((frame) => frame.at / 1000 >= span.from && frame.at / 1000 <= span.to)
    .map((frame) => frame.pcm);
  return {
    alice: tonesIn(audioArriving(packets, parties.alice, span), PARTY_SAMPLE_RATE),
    bob: tonesIn(audioArriving(packets, parties.bob, span), PARTY_SAMPLE_RATE),
    user: tonesIn(joinFrames(speaker)),
  };
}

/** Present: most frames of the window; absent: none to speak of. */
const PRESENT = WINDOW_FRAMES * 0.6;
const ABSENT = 3;
const above = expect.toSatisfy((count: number) => count > PRESENT);
const none = expect.toSatisfy((count: number) => count < ABSENT);

describe.skipIf(skip)('three-way conference behind Kamailio with two baresip parties', () => {
  it('each party hears the user and the other; mute, split and hanging up one leg', async (test) => {
    const { phone, parties, capture, kamailio } = await conferenceLab(test);
    const placed = await phone.invoke('call', { target: ALICE.user });
    const first = await until(phone, (i) => i.id === placed.id && i.state === 'connected');
    // A second call holds the first, as a desk phone's second line does.
    const dialled = await phone.invoke('call', { target: BOB.user });
    const second = await until(phone, (i) => i.id === dialled.id && i.state === 'connected');
    expect(stateOf(phone, first.id)?.state).toBe('on-hold');
    // Both calls went through the provider to the contacts the parties registered (baresip
    // registers a contact user of its own, the name and a suffix).
    const routed = (party: typeof ALICE | typeof BOB) =>
      new RegExp(
        `incoming INVITE for .* to sip:${party.user}[^@]*@${CARRIER.address}:${party.sipPort}`,
      );
    expect(kamailio.output()).toMatch(routed(ALICE));
    expect(kamailio.output()).toMatch(routed(BOB));
    // Before the merge: Bob talks with the user; Alice, held, hears nothing.
    const before = await window();

    const merged = await phone.invoke('conference', {
      callId: second.id,
      withCallId: first.id,
    });
    expect(merged.conference).toEqual({ withCallId: first.id, carriesUserAudio: true });
    expect(stateOf(phone, first.id)).toMatchObject({
      state: 'connected',
      codec: 'PCMU',
      conference: { withCallId: second.id, carriesUserAudio: false },
    });
    expect(stateOf(phone, second.id)?.codec).toBe('PCMA');
    const together = await window();

    // Muted, the user falls silent toward both; the parties still hear each other.
    await phone.invoke('mute', { callId: first.id, mute: true });
    expect(stateOf(phone, second.id)?.muted).toBe(true);
    const muted = await window();
    await phone.invoke('mute', { callId: first.id, mute: false });

    // Split: Bob stays with the user, Alice is held and hears nothing.
    await phone.invoke('splitConference', { callId: second.id });
    expect(stateOf(phone, first.id)?.state).toBe('on-hold');
    expect(stateOf(phone, first.id)?.conference).toBeUndefined();
    expect(stateOf(phone, second.id)).toMatchObject({ state: 'connected', muted: false });
    expect(stateOf(phone, second.id)?.conference).toBeUndefined();
    const split = await window();

    // Merged again, then Bob's leg hung up: Alice stays connected, talking with the user.
    await phone.invoke('conference', { callId: second.id, withCallId: first.id });
    await phone.invoke('hangup', { callId: second.id });
    expect(stateOf(phone, first.id)?.state).toBe('connected');
    expect(stateOf(phone, first.id)?.conference).toBeUndefined();
    const alone = await window();
    await phone.invoke('hangup', { callId: first.id });

    const packets = await capture.stop();
    const heard = (span: Window) => heardIn(packets, phone, parties, span);
    const at = {
      before: heard(before),
      together: heard(together),
      muted: heard(muted),
      split: heard(split),
      alone: heard(alone),
    };
    const seen = JSON.stringify(at);
    expect(at.before.bob.user, seen).toBeGreaterThan(PRESENT);
    expect(at.before.alice.user + at.before.alice.bob, seen).toBeLessThan(ABSENT);
    // Merged: every party hears the other two, and nobody hears their own voice back.
    expect(at.together.alice, seen).toMatchObject({ user: above, bob: above, alice: none });
    expect(at.together.bob, seen).toMatchObject({ user: above, alice: above, bob: none });
    expect(at.together.user, seen).toMatchObject({ alice: above, bob: above, user: none });
    expect(at.muted.alice, seen).toMatchObject({ user: none, bob: above });
    expect(at.muted.bob, seen).toMatchObject({ user: none, alice: above });
    expect(at.split.bob, seen).toMatchObject({ user: above, alice: none });
    expect(at.split.alice, seen).toMatchObject({ user: none, bob: none });
    expect(at.split.user, seen).toMatchObject({ alice: none, bob: above });
    expect(at.alone.alice, seen).toMatchObject({ user: above });
    expect(at.alone.user, seen).toMatchObject({ alice: above });
  }, 90_000);
});
