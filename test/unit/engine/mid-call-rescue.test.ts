import { afterEach, describe, expect, it } from 'vitest';
import type { CallRescue, MediaAddress, NatStrategyId } from '../../../src-shared/domain.js';
import {
  MidCallRescue,
  type MidCallRescuePorts,
} from '../../../src-main/engine/mid-call-rescue.js';

const STUN_ADDRESS: MediaAddress = { connection: '198.51.100.1', audioPort: 4000, source: 'stun' };

/** A call on a fake clock: its media counters, what the rescue did to it, and when. */
function fakeCall(options: {
  available?: NatStrategyId[];
  /** The address each reopen returns, by strategy (null: the strategy failed). */
  reopened?: Partial<Record<NatStrategyId, MediaAddress | null>>;
  /** The address a move to new ports returns (null: it failed); absent: the call cannot move. */
  newPorts?: MediaAddress | null;
  /** Final statuses of successive re-INVITEs; 200 once they run out. */
  statuses?: number[];
  ownsCallId?: boolean;
  /** Strategies whose reopen throws instead of answering. */
  reopenThrows?: NatStrategyId[];
}) {
  let now = 0;
  const timers: Array<{ at: number; run: () => void }> = [];
  const media = { sent: 0, received: 0, held: false, receiving: true };
  let advertised: MediaAddress | null = STUN_ADDRESS;
  const reopens: Array<NatStrategyId | 'new ports'> = [];
  const offers: number[] = [];
  const reports: CallRescue[] = [];
  const statuses = [...(options.statuses ?? [])];
  const ports: MidCallRescuePorts = {
    sample: () => ({
      atMs: now,
      packetsSent: media.sent,
      packetsReceived: media.received,
      held: media.held,
      rtcp: null,
    }),
    advertised: () => advertised,
    available: options.available ?? ['stun', 'turn'],
    reopen: (strategy) => {
      reopens.push(strategy);
      if (options.reopenThrows?.includes(strategy)) {
        return Promise.reject(new Error(`${strategy} socket closed`));
      }
      const address = options.reopened?.[strategy];
      if (address) advertised = address;
      return Promise.resolve(address ?? null);
    },
    ...(options.newPorts === undefined
      ? {}
      : {
          reopenOnNewPorts: () => {
            reopens.push('new ports');
            if (options.newPorts) advertised = options.newPorts;
            return Promise.resolve(options.newPorts ?? null);
          },
        }),
    offer: () => {
      offers.push(now);
      return Promise.resolve(statuses.shift() ?? 200);
    },
    report: (rescue) => reports.push(rescue),
    ownsCallId: options.ownsCallId ?? true,
    now: () => now,
    random: () => 0.5,
    setTimer: (run, ms) => {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer), 1);
    },
  };
  const logs: string[] = [];
  const rescue = new MidCallRescue({
    ...ports,
    log: (level, text) => logs.push(`${level} ${text}`),
  });
  return {
    logs,
    media,
    reopens,
    offers,
    reports,
    rescue,
    /** Lets `ms` pass, 20 ms of RTP at a time, running timers and the promises they start. */
    async advance(ms: number) {
      const until = now + ms;
      while (now < until) {
        now += 20;
        media.sent++;
        if (media.receiving) media.received++;
        for (const timer of timers.filter((t) => t.at <= now)) {
          timers.splice(timers.indexOf(timer), 1);
          timer.run();
        }
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
    },
  };
}

describe('MidCallRescue', () => {
  let stop: (() => void) | null = null;
  afterEach(() => stop?.());

  it('audio both ways: no reopen, no re-INVITE', async () => {
    const call = fakeCall({});
    stop = () => call.rescue.stop();
    await call.advance(20_000);
    expect(call.reopens).toEqual([]);
    expect(call.offers).toEqual([]);
  });

  it('a moved mapping: one STUN refresh and one re-INVITE about 3 s in; recovered once RTP returns', async () => {
    const moved = { ...STUN_ADDRESS, audioPort: 40000 };
    const call = fakeCall({ reopened: { stun: moved } });
    stop = () => call.rescue.stop();
    await call.advance(2000);
    call.media.receiving = false;
    await call.advance(2900);
    expect(call.offers).toEqual([]);
    await call.advance(500);
    expect(call.reopens).toEqual(['stun']);
    expect(call.offers).toHaveLength(1);
    expect(call.reports).toEqual([{ at: 5.2, from: 'stun', to: 'stun', recovered: false }]);
    call.media.receiving = true;
    await call.advance(1000);
    expect(call.reports.at(-1)).toEqual({ at: 5.2, from: 'stun', to: 'stun', recovered: true });
    // Quiet again later: STUN was tried, TURN is next; never the same step twice.
    call.media.receiving = false;
    await call.advance(10_000);
    expect(call.reopens).toEqual(['stun', 'turn']);
  });

  it('an unchanged STUN mapping cannot help: straight on to TURN, with one re-INVITE', async () => {
    const relayed: MediaAddress = { connection: '198.51.100.20', audioPort: 50000, source: 'turn' };
    const call = fakeCall({ reopened: { stun: STUN_ADDRESS, turn: relayed } });
    stop = () => call.rescue.stop();
    call.media.receiving = false;
    await call.advance(4000);
    expect(call.reopens).toEqual(['stun', 'turn']);
    expect(call.offers).toHaveLength(1);
    expect(call.reports[0]).toMatchObject({ from: 'stun', to: 'turn', recovered: false });
    // The relay does not help either: nothing is left, and no re-INVITE storm follows.
    await call.advance(30_000);
    expect(call.offers).toHaveLength(1);
    expect(call.reports.at(-1)?.recovered).toBe(false);
  });

  it('without a relay, an unchanged STUN mapping moves the media to new ports: one re-INVITE', async () => {
    const newPorts = { ...STUN_ADDRESS, audioPort: 4100 };
    const call = fakeCall({ available: ['stun'], reopened: { stun: STUN_ADDRESS }, newPorts });
    stop = () => call.rescue.stop();
    call.media.receiving = false;
    await call.advance(4000);
    expect(call.reopens).toEqual(['stun', 'new ports']);
    expect(call.offers).toHaveLength(1);
    expect(call.reports[0]).toMatchObject({ from: 'stun', to: 'stun', recovered: false });
    call.media.receiving = true;
    await call.advance(1000);
    expect(call.reports.at(-1)).toMatchObject({ to: 'stun', recovered: true });
    // Once per call: quiet again later, nothing is left to try and no re-INVITE follows.
    call.media.receiving = false;
    await call.advance(30_000);
    expect(call.reopens).toEqual(['stun', 'new ports']);
    expect(call.offers).toHaveLength(1);
  });

  it('a relay comes before new ports, and one that fails to open leaves them', async () => {
    const relayed: MediaAddress = { connection: '198.51.100.20', audioPort: 50000, source: 'turn' };
    const newPorts = { ...STUN_ADDRESS, audioPort: 4100 };
    const relayedCall = fakeCall({ reopened: { stun: STUN_ADDRESS, turn: relayed }, newPorts });
    const failedRelay = fakeCall({ reopened: { stun: STUN_ADDRESS, turn: null }, newPorts });
    stop = () => {
      relayedCall.rescue.stop();
      failedRelay.rescue.stop();
    };
    for (const call of [relayedCall, failedRelay]) call.media.receiving = false;
    await relayedCall.advance(30_000);
    await failedRelay.advance(4000);
    // On the relay the call has nowhere further to go: new ports are never tried.
    expect(relayedCall.reopens).toEqual(['stun', 'turn']);
    expect(relayedCall.offers).toHaveLength(1);
    expect(failedRelay.reopens).toEqual(['stun', 'turn', 'new ports']);
    expect(failedRelay.offers).toHaveLength(1);
    expect(failedRelay.reports[0]).toMatchObject({ from: 'stun', to: 'stun' });
  });

  it('new ports that cannot be opened end the rescue quietly', async () => {
    const call = fakeCall({
      available: ['stun'],
      reopened: { stun: STUN_ADDRESS },
      newPorts: null,
    });
    stop = () => call.rescue.stop();
    call.media.receiving = false;
    await call.advance(30_000);
    expect(call.reopens).toEqual(['stun', 'new ports']);
    expect(call.offers).toEqual([]);
    expect(call.reports).toEqual([]);
  });

  it('never on hold, and without a relay allowed only STUN is tried', async () => {
    const call = fakeCall({ available: ['stun'], reopened: { stun: STUN_ADDRESS } });
    stop = () => call.rescue.stop();
    call.media.receiving = false;
    call.media.held = true;
    await call.advance(10_000);
    expect(call.reopens).toEqual([]);
    call.media.held = false;
    await call.advance(10_000);
    expect(call.reopens).toEqual(['stun']);
    expect(call.offers).toEqual([]);
  });

  it('glare (491): tried once more after 2.1–4 s when we own the Call-ID, 0–2 s otherwise', async () => {
    const moved = { ...STUN_ADDRESS, audioPort: 40000 };
    for (const [owns, low, high] of [
      [true, 2100, 4000],
      [false, 0, 2000],
    ] as const) {
      const call = fakeCall({ reopened: { stun: moved }, statuses: [491], ownsCallId: owns });
      call.media.receiving = false;
      await call.advance(10_000);
      call.rescue.stop();
      expect(call.offers).toHaveLength(2);
      const wait = (call.offers[1] ?? 0) - (call.offers[0] ?? 0);
      expect(wait).toBeGreaterThanOrEqual(low);
      expect(wait).toBeLessThanOrEqual(high + 20);
      expect(call.reports).toHaveLength(1);
    }
  });

  it('a reopen that throws is logged, rejects nothing unhandled, and the next look tries the next step', async () => {
    const relayed: MediaAddress = { connection: '203.0.113.50', audioPort: 49152, source: 'turn' };
    const call = fakeCall({ reopenThrows: ['stun'], reopened: { turn: relayed } });
    stop = () => call.rescue.stop();
    call.media.receiving = false;
    await call.advance(6_000);
    expect(call.logs).toContain('warn one-way audio: the rescue failed (stun socket closed)');
    expect(call.reopens).toEqual(['stun', 'turn']);
    expect(call.offers).toHaveLength(1);
    expect(call.reports.at(-1)).toMatchObject({ from: 'stun', to: 'turn', recovered: false });
  });

  it('a refused re-INVITE is not retried in a storm', async () => {
    const moved = { ...STUN_ADDRESS, audioPort: 40000 };
    const call = fakeCall({ reopened: { stun: moved }, statuses: [488, 488, 488] });
    stop = () => call.rescue.stop();
    call.media.receiving = false;
    await call.advance(30_000);
    expect(call.offers.length).toBeLessThanOrEqual(2);
  });
});
