/**
 * The port-mapping client against a real router daemon: miniupnpd (NAT-PMP and PCP) on a router
 * doing symmetric NAT. Judged in the router's own table (miniupnpd's lease file and the rules it
 * installed) and on the internet side of the wire (tshark), never by what the client says.
 *
 * Controls that prove the assertions can fail: beside the mapped socket the client binds an
 * unmapped one; the symmetric NAT gives it a random public port, and a datagram to it from the
 * internet is not delivered. A router without the daemon yields a failure within the bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { startCapture } from './support/capture.js';
import { startMiniupnpd } from './support/miniupnpd.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import { delay, REPO, startCoturn, waitFor } from './support/peers.js';

const skip = announceSkip(
  'lab: port mapping',
  labUnavailableReason(['turnserver', 'tshark', 'iptables-legacy', 'miniupnpd']),
);

const RUNNER = join(REPO, 'dist/test/lab/support/port-mapping-runner.js');
const CLIENT = '192.168.50.2';
const LIFETIME_SECONDS = 4;

const labs: Lab[] = [];
const runners: ChildProcess[] = [];
afterAll(() => {
  for (const child of runners) child.kill('SIGKILL');
  for (const lab of labs) lab.destroy();
});

interface RunnerEvent {
  at: number;
  granted?: {
    method: string;
    external: { address: string; port: number };
    lifetimeSeconds: number;
    elapsedMs: number;
  };
  failed?: { code: string; message: string; elapsedMs: number };
  renewed?: { renewals: number; external: { address: string; port: number } };
  lost?: { code: string; message: string };
  received?: { socket: string; from: string; text: string };
  closed?: boolean;
}

/** The client namespace's runner, driven through its stdin; its events as they arrive. */
function startRunner(lab: Lab, args: string[]) {
  const child = spawn('ip', ['netns', 'exec', lab.client, process.execPath, RUNNER, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  runners.push(child);
  const events: RunnerEvent[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as RunnerEvent);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = async <K extends keyof RunnerEvent>(key: K, timeoutMs = 10_000) => {
    await waitFor(() => events.some((event) => event[key] !== undefined), timeoutMs);
    const event = events.find((e) => e[key] !== undefined);
    if (!event) throw new Error(`runner printed no ${key}: ${JSON.stringify(events)} ${stderr}`);
    return event as RunnerEvent & Required<Pick<RunnerEvent, K>>;
  };
  return {
    events,
    first,
    command: (line: string) => child.stdin.write(`${line}\n`),
    exited,
  };
}

/** A datagram from the internet: from `source` (an internet address) to `destination`. */
function sendFromInternet(
  lab: Lab,
  source: string,
  destination: string,
  port: number,
  text: string,
) {
  const script = `
const socket = require('node:dgram').createSocket('udp4');
socket.bind({ address: process.argv[1] }, () =>
  socket.send(process.argv[4], Number(process.argv[3]), process.argv[2], () => socket.close()));`;
  lab.exec(lab.internet, process.execPath, ['-e', script, source, destination, String(port), text]);
}

describe.skipIf(skip)('port mapping through a symmetric NAT router running miniupnpd', () => {
  let lab: Lab;
  let daemon: Awaited<ReturnType<typeof startMiniupnpd>>;

  it('maps a UDP port with PCP: in the router table and on the wire both ways', async () => {
    lab = createLab({ nat: 'symmetric', portMapping: true });
    labs.push(lab);
    await startCoturn(lab);
    daemon = await startMiniupnpd(lab, { minLifetimeSeconds: 2 });
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const localPort = 41_000;
    const runner = startRunner(lab, [String(localPort), String(LIFETIME_SECONDS)]);
    const { granted } = await runner.first('granted');
    expect(granted.method).toBe('pcp');
    expect(granted.external.address).toBe(PUBLIC.router);
    expect(granted.lifetimeSeconds).toBe(LIFETIME_SECONDS);
    expect(granted.elapsedMs).toBeLessThan(1500);
    const external = granted.external.port;

    // The router's own record: the lease, the forward rule, the source-port rule.
    const lease = daemon.leases().find((l) => l.internalPort === localPort);
    expect(lease).toMatchObject({
      protocol: 'UDP',
      externalPort: external,
      internalAddress: CLIENT,
    });
    const rules = daemon.rules();
    expect(rules.forward).toContain(`-d ${CLIENT}/32 -p udp -m udp --dport ${localPort} -j ACCEPT`);
    expect(rules.dnat).toContain(`--dport ${external}`);
    expect(rules.snat).toContain(`-s ${CLIENT}/32 -p udp -m udp --sport ${localPort}`);

    // Inbound: a host the client never sent to reaches the mapped socket, not the control.
    sendFromInternet(lab, PUBLIC.stunB, PUBLIC.router, external, 'unsolicited-to-mapped');
    sendFromInternet(lab, PUBLIC.stunB, PUBLIC.router, localPort + 1, 'unsolicited-to-control');
    await waitFor(() => runner.events.some((e) => e.received), 3000);
    await delay(500);
    const received = runner.events.flatMap((e) => (e.received ? [e.received] : []));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ socket: 'mapped', text: 'unsolicited-to-mapped' });
    expect(received[0]?.from.startsWith(`${PUBLIC.stunB}:`)).toBe(true);

    // Outbound, to a destination neither socket has sent to: the mapped socket leaves with the
    // external port; the control gets whatever port the symmetric NAT picks.
    runner.command(`send ${PUBLIC.provider} 47000 from-mapped`);
    runner.command(`send-control ${PUBLIC.provider} 47000 from-control`);
    await delay(500);
    const packets = await wire.stop();
    const fromRouter = (text: string) =>
      packets.find((p) => p.src === PUBLIC.router && p.payload.toString() === text);
    expect(fromRouter('from-mapped')?.sport).toBe(external);
    const controlPort = fromRouter('from-control')?.sport;
    expect(controlPort).toBeDefined();
    expect(controlPort).not.toBe(localPort + 1);
    expect(controlPort).not.toBe(external);

    // Renewal: after three lifetimes the mapping is still in the router's table, renewed.
    const expiresAtFirst = lease?.expiresAt ?? 0;
    await delay(3 * LIFETIME_SECONDS * 1000);
    const renewed = runner.events.filter((e) => e.renewed).at(-1)?.renewed;
    expect(renewed?.renewals).toBeGreaterThanOrEqual(4);
    expect(renewed?.external).toEqual(granted.external);
    expect(runner.events.some((e) => e.lost)).toBe(false);
    // miniupnpd renews a PCP mapping by deleting its rules and adding them again (pcpserver.c:
    // "already redirected ... replacing"), so one snapshot of the table can fall between the two.
    const stillForwarded = await waitFor(
      () => daemon.rules().forward.includes(`--dport ${localPort} -j ACCEPT`),
      1000,
    );
    expect(stillForwarded).toBe(true);
    const leaseNow = daemon.leases().find((l) => l.internalPort === localPort);
    expect(leaseNow?.expiresAt ?? 0).toBeGreaterThan(expiresAtFirst);

    // close(): the router confirms, and the mapping is gone from its table.
    runner.command('close');
    const { closed } = await runner.first('closed');
    expect(closed).toBe(true);
    await runner.exited;
    expect(daemon.leases().some((l) => l.internalPort === localPort)).toBe(false);
    expect(daemon.rules().forward).not.toContain(`--dport ${localPort} `);
    expect(daemon.rules().snat).not.toContain(`--sport ${localPort} `);
  });

  it('a mapping nobody renews is dropped by the router after its lifetime (renewal matters)', async () => {
    const localPort = 41_100;
    // NAT-PMP does not apply miniupnpd's min_lifetime: the lifetime asked is the one held.
    const runner = startRunner(lab, [String(localPort), '3', 'nat-pmp']);
    const { granted } = await runner.first('granted');
    expect(granted.method).toBe('nat-pmp');
    expect(granted.external.address).toBe(PUBLIC.router);
    expect(daemon.leases().some((l) => l.internalPort === localPort)).toBe(true);
    // The runner dies without deleting or renewing: the router must forget the mapping itself.
    const child = runners.at(-1);
    child?.kill('SIGKILL');
    await runner.exited;
    const forgotten = await waitFor(
      () => !daemon.rules().forward.includes(`--dport ${localPort} -j ACCEPT`),
      10_000,
    );
    expect(forgotten).toBe(true);
  });

  it('a router whose external address differs from what STUN says is not trusted', async () => {
    const localPort = 41_200;
    const runner = startRunner(lab, [String(localPort), '60', '-', '198.51.100.99']);
    const { failed } = await runner.first('failed');
    expect(failed.code).toBe('untrusted');
    expect(failed.message).toContain('198.51.100.99');
    // The useless mapping is removed from the router again.
    const removed = await waitFor(
      () => !daemon.leases().some((l) => l.internalPort === localPort),
      3000,
    );
    expect(removed).toBe(true);
    runner.command('close');
    await runner.exited;
  });
});

describe.skipIf(skip)('a router without a port-mapping daemon', () => {
  it('fails plainly and at once when nothing listens on 5351', async () => {
    const lab = createLab({ nat: 'symmetric', portMapping: true });
    labs.push(lab);
    const runner = startRunner(lab, ['42000', '60']);
    const { failed } = await runner.first('failed');
    expect(failed.code).toBe('unavailable');
    expect(failed.message).toMatch(/does not offer port mapping/);
    expect(failed.elapsedMs).toBeLessThan(1000);
    runner.command('close');
    await runner.exited;

    // A router that drops the requests silently: a timeout within the bound.
    lab.exec(lab.router, 'iptables-legacy', [
      '-I',
      'INPUT',
      '-p',
      'udp',
      '--dport',
      '5351',
      '-j',
      'DROP',
    ]);
    const silent = startRunner(lab, ['42002', '60']);
    const timedOut = (await silent.first('failed')).failed;
    expect(timedOut.code).toBe('timeout');
    expect(timedOut.message).toMatch(/did not answer port-mapping requests \(PCP, NAT-PMP\)/);
    expect(timedOut.elapsedMs).toBeGreaterThanOrEqual(1400);
    expect(timedOut.elapsedMs).toBeLessThan(2000);
    silent.command('close');
    await silent.exited;
  });
});
