import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../../src-main/sip/recent-map.js';
import { readRequestHead } from '../../../src-main/sip/sip-request-head.js';

describe('RecentMap', () => {
  it('forgets entries set before the cut-off, oldest first, and keeps the young', () => {
    const map = new RecentMap<string, number>();
    map.set('a', 1, 0);
    map.set('b', 2, 10);
    map.set('c', 3, 20);
    map.forget(15);
    expect([...map]).toEqual([['c', 3]]);
    expect(map.get('a')).toBeUndefined();
    expect(map.setAt('c')).toBe(20);
  });

  it('keeps an entry set again after it arrived, as young as its last setting', () => {
    const map = new RecentMap<string, number>();
    map.set('a', 1, 0);
    map.set('b', 2, 5);
    map.set('a', 9, 30);
    map.forget(10);
    expect(map.get('a')).toBe(9);
    expect(map.has('b')).toBe(false);
    map.forget(31);
    expect(map.size).toBe(0);
  });

  it('holds no more than its capacity, dropping the oldest', () => {
    const map = new RecentMap<number, number>();
    const forgotten: number[] = [];
    for (let i = 0; i < 10; i++) {
      map.set(i, i, i);
      map.forget(-1, 4, (key) => forgotten.push(key));
    }
    expect([...map].map(([key]) => key)).toEqual([6, 7, 8, 9]);
    expect(forgotten).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('tells a key deleted and set again from its old place in the order', () => {
    const map = new RecentMap<string, number>();
    map.set('a', 1, 0);
    map.delete('a');
    map.set('b', 2, 1);
    map.set('a', 3, 2);
    map.forget(-1, 1);
    // The oldest by arrival is b; a's first place is left behind, not taken for the new a.
    expect([...map]).toEqual([['a', 3]]);
  });

  it('prunes a map kept at its capacity in time that does not grow with the flood', () => {
    const map = new RecentMap<string, number>();
    const round = (from: number) => {
      const started = performance.now();
      for (let i = from; i < from + 20_000; i++) {
        map.set(`branch-${i}`, i, i);
        map.forget(-1, 4096);
      }
      return performance.now() - started;
    };
    round(0);
    const early = round(20_000);
    const late = round(200_000);
    expect(map.size).toBe(4096);
    // Linear: the hundredth thousand costs what the second did (a generous factor for a busy
    // machine), where a Map iterated from its front would step over its holes each time.
    expect(late).toBeLessThan(early * 4 + 50);
  });
});

describe('readRequestHead', () => {
  it('reads the start line and header fields in one pass, folding and compact forms included', () => {
    const head = readRequestHead(
      'INVITE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nSubject: one\r\n  two\r\nno colon here\r\nf: <sip:c@d>;tag=x\r\n\r\nbody',
    );
    expect(head).toMatchObject({
      method: 'INVITE',
      requestUri: 'sip:a@b',
      version: 'SIP/2.0',
      malformedStartLine: false,
      bodyBytes: 4,
      bodyIsBlank: false,
    });
    expect(head?.headers).toEqual([
      { name: 'via', value: 'SIP/2.0/UDP h;branch=z9hG4bK1' },
      { name: 'subject', value: 'one two' },
      { name: 'from', value: '<sip:c@d>;tag=x' },
    ]);
  });

  it('takes bare LF line ends, and a CR without an LF as part of the line', () => {
    const head = readRequestHead('OPTIONS sip:a@b SIP/2.0\nCall-ID: 1\n\n');
    expect(head?.headers).toEqual([{ name: 'call-id', value: '1' }]);
    expect(readRequestHead('OPTIONS sip:a@b SIP/2.0\r')?.version).toBe('SIP/2.0\r');
  });

  it('reads a long head without colons in time linear in its length', () => {
    const lines = 'x\r\n'.repeat(10_000);
    const started = performance.now();
    const head = readRequestHead(`OPTIONS sip:a@b SIP/2.0\r\n${lines}Call-ID: 1\r\n\r\n`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(head?.headers).toEqual([{ name: 'call-id', value: '1' }]);
  });

  it('is null for a response', () => {
    expect(readRequestHead('SIP/2.0 200 OK\r\n\r\n')).toBeNull();
  });
});
