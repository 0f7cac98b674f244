import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { installLabCleanup, Lab, PUBLIC } from './support/netns-lab.js';
import { header, LAB_USER, runNatter, startCoturn, startSipp, waitFor } from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: public address change',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack']),
);
installLabCleanup();

const NEW_PUBLIC = '198.51.100.2';

describe.skipIf(skip)('the router’s public address changes (a new DHCP lease)', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it('the keepalive’s STUN re-check notices and the engine re-registers with the new Contact', async () => {
    lab = Lab.create({ nat: 'cone' });
    await startCoturn(lab);
    const sipp = await startSipp(lab, 'provider-strict.xml', { calls: 20 });
    const listening = runNatter(lab, [
      'listen',
      '--server',
      `${PUBLIC.provider}:5060`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--stun',
      `${PUBLIC.stunB}:3478`,
      '--keepalive',
      '3',
      '--seconds',
      '20',
      '--json',
    ]);
    const contacts = () =>
      sipp
        .messages()
        .filter((m) => m.direction === 'received' && m.startLine.startsWith('REGISTER'))
        .map((m) => header(m.text, 'Contact') ?? '');
    expect(await waitFor(() => contacts().length >= 2, 10_000)).toBe(true);
    expect(contacts()[1]).toContain(`@${PUBLIC.router}:`);

    // The ISP hands the router another address; every existing mapping is gone.
    const wan = lab.routerWanInterface;
    lab.exec(lab.router, 'ip', ['addr', 'add', `${NEW_PUBLIC}/24`, 'dev', wan]);
    lab.exec(lab.router, 'iptables', ['-t', 'nat', '-F', 'POSTROUTING']);
    lab.exec(lab.router, 'iptables', [
      '-t',
      'nat',
      '-A',
      'POSTROUTING',
      '-o',
      wan,
      '-j',
      'SNAT',
      '--to-source',
      NEW_PUBLIC,
    ]);
    lab.exec(lab.router, 'conntrack', ['-F']);

    const moved = await waitFor(
      () => contacts().some((c) => c.includes(`@${NEW_PUBLIC}:`)),
      12_000,
    );
    expect(moved, contacts().join('\n')).toBe(true);
    const run = await listening;
    const report = run.json as unknown as ListenReportJson;
    expect(report.registered).toBe(true);
    expect(report.contact).toContain(`@${NEW_PUBLIC}:`);
    expect(run.code).toBe(0);
  }, 60_000);
});
