import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StunTransactions } from '../../../src-main/net/stun-transaction.js';

const server = { address: '192.0.2.1', port: 3478 };

function fakeSocket(fail = false) {
  const sentAt: number[] = [];
  return {
    sentAt,
    send: () => {
      sentAt.push(performance.now());
      return fail ? Promise.reject(new Error('network unreachable')) : Promise.resolve();
    },
  };
}

const request = (id = randomBytes(12)) => ({ id, datagram: Buffer.alloc(20), to: server, meta: 7 });

describe('one RFC 5389 transaction implementation', () => {
  it('retransmits after RTO, 2·RTO, 4·RTO… and times out after Rc sends and Rm·RTO', async () => {
    const socket = fakeSocket();
    const transactions = new StunTransactions<number, string>(socket);
    const started = performance.now();
    const outcome = await transactions.run(request(), {
      rtoMs: 20,
      maxTransmissions: 4,
      finalWaitFactor: 3,
    });
    expect(outcome).toMatchObject({ ok: false, code: 'timeout' });
    expect(socket.sentAt).toHaveLength(4);
    const gaps = socket.sentAt.slice(1).map((at, i) => at - (socket.sentAt[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
    // 20 + 40 + 80 between the sends, then 3·20 of waiting.
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    expect(transactions.size).toBe(0);
  });

  it('ends at its deadline, whatever the schedule still had', async () => {
    const socket = fakeSocket();
    const transactions = new StunTransactions<number, string>(socket);
    const started = performance.now();
    const outcome = await transactions.run(request(), {
      rtoMs: 20,
      deadlineAt: performance.now() + 70,
    });
    expect(outcome).toMatchObject({ ok: false, code: 'timeout' });
    expect(performance.now() - started).toBeLessThan(150);
    expect(socket.sentAt.length).toBeLessThanOrEqual(3);
  });

  it('takes an answer only with our transaction ID and from the address asked', async () => {
    const transactions = new StunTransactions<number, string>(fakeSocket());
    const id = randomBytes(12);
    const running = transactions.run(request(id), { rtoMs: 50 });
    expect(transactions.find(randomBytes(12), server)).toBeNull();
    expect(transactions.find(id, { ...server, port: 3479 })).toBeNull();
    expect(transactions.find(id, { ...server, address: '6.6.6.6' })).toBeNull();
    const pending = transactions.find(id, server);
    expect(pending?.meta).toBe(7);
    pending?.answer('mapped');
    const outcome = await running;
    expect(outcome).toMatchObject({ ok: true, answer: 'mapped' });
    expect(outcome.ok && outcome.rttMs).toBeGreaterThanOrEqual(0);
    // Answered once: a duplicate answer finds nothing.
    expect(transactions.find(id, server)).toBeNull();
  });

  it('reports a failed send, an abort and closing, each in its own words', async () => {
    const failing = new StunTransactions<number, string>(fakeSocket(true));
    expect(await failing.run(request())).toMatchObject({
      ok: false,
      code: 'send-failed',
      detail: 'network unreachable',
    });
    const transactions = new StunTransactions<number, string>(fakeSocket());
    const controller = new AbortController();
    const aborted = transactions.run(request(), {}, controller.signal);
    controller.abort();
    expect(await aborted).toMatchObject({ ok: false, code: 'aborted' });
    const closed = transactions.run(request());
    transactions.closeAll();
    expect(await closed).toMatchObject({ ok: false, code: 'closed' });
  });
});
