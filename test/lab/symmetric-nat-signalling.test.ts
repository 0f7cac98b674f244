/**
 * Behind a symmetric NAT the STUN server sees another public port than the registrar: the
 * Contact must follow what the registrar reports in Via received/rport (RFC 3581), changed only
 * between transactions, or incoming calls go to a port the router never opened toward it.
 * Kamailio is the registrar; the location table it keeps, the capture on its wire and the
 * carrier's caller judge. The control turns following the registrar off (--no-follow-registrar)
 * and shows the same test failing: the STUN Contact is stored and the call never arrives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { contactHostPort, header, sipPackets, startCapture } from './support/capture.js';
import { startCarrier, startKamailio } from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  delay,
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  waitFor,
} from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: symmetric NAT signalling',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'turnserver', 'tshark']),
);
installLabCleanup();

/** Runs of the healed scenario per test run; NATTER_LAB_REPEAT raises it to show it is not flaky. */
const REPEAT = Math.max(1, Number(process.env.NATTER_LAB_REPEAT ?? 3));

const labs: Lab[] = [];
afterEach(() => {
  for (const lab of labs.splice(0)) lab.destroy();
});

async function registerThenReceiveCall(followRegistrar: boolean) {
  const lab = createLab({ nat: 'symmetric' });
  labs.push(lab);
  await startCoturn(lab);
  const kamailio = await startKamailio(lab);
  const wire = await startCapture(lab, lab.internet, lab.internetInterface);
  const listening = runNatter(
    lab,
    [
      'listen',
      '--server',
      `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--stun',
      `${PUBLIC.stunB}:3478`,
      '--answer',
      '--seconds',
      '15',
      '--json',
      ...(followRegistrar ? [] : ['--no-follow-registrar']),
    ],
    { timeoutMs: 60_000 },
  );
  // A registration, then time for a corrective one (there is none without following).
  const registered = await waitFor(() => kamailio.location().length > 0, 8000);
  if (!registered) throw new Error(`nothing registered: ${kamailio.output().slice(-1500)}`);
  await delay(2000);
  const location = kamailio.location();
  const caller = await startCarrier(lab, 'caller');
  const callerExit = await caller.exited;
  const run = await listening;
  const packets = await wire.stop();
  const sip = sipPackets(packets);
  const registers = sip.filter((m) => m.method === 'REGISTER' && m.dst === PUBLIC.provider);
  // The router's public ports for our SIP socket: toward the registrar, and toward each STUN
  // server (a symmetric NAT gives each destination its own).
  const registrarPort = registers[0]?.sport ?? null;
  const stunPorts = [
    ...new Set(
      packets.filter((p) => p.src === PUBLIC.router && p.dport === 3478).map((p) => p.sport),
    ),
  ];
  return {
    run,
    report: run.json as unknown as ListenReportJson,
    location,
    registrarPort,
    stunPorts,
    callerExit,
    caller,
    sip,
  };
}

describe.skipIf(skip)('symmetric NAT: the Contact follows the registrar (Kamailio)', () => {
  it(`registers the registrar's view of our port and answers an incoming call (${REPEAT} runs), and fails without following it`, async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const healed = await registerThenReceiveCall(true);
      const trace = `${healed.run.stderr}\n${healed.caller.output().slice(-800)}`;
      // The NAT is symmetric: STUN and the registrar see different public ports.
      expect(healed.stunPorts.length).toBeGreaterThan(0);
      expect(healed.stunPorts).not.toContain(healed.registrarPort);
      // Kamailio's location holds exactly the port its own flow arrives from.
      expect(
        healed.location.map((c) => c.hostPort),
        trace,
      ).toEqual([{ address: PUBLIC.router, port: healed.registrarPort }]);
      // The Contact changed between transactions: the challenge told us the registrar's view,
      // and every REGISTER with credentials carried it.
      const authorized = healed.sip.filter(
        (m) => m.method === 'REGISTER' && header(m.text, 'Authorization') !== null,
      );
      expect(authorized.length).toBeGreaterThan(0);
      for (const register of authorized) {
        expect(contactHostPort(register.contact)?.port, trace).toBe(healed.registrarPort);
      }
      expect(healed.report, trace).toMatchObject({ registered: true });
      expect(healed.callerExit, trace).toBe(0);
      expect(healed.report.calls, trace).toHaveLength(1);
      expect(healed.report.calls[0]).toMatchObject({ from: '15145550100', answered: true });
      expect(healed.report.calls[0]!.rtp.received).toBeGreaterThan(20);
      outcomes.push('ok');
      for (const lab of labs.splice(0)) lab.destroy();
    }
    expect(outcomes).toHaveLength(REPEAT);

    const control = await registerThenReceiveCall(false);
    expect(control.report).toMatchObject({ registered: true, calls: [] });
    // The STUN Contact was stored: a port the router opened toward the STUN server only.
    expect(control.location).toHaveLength(1);
    expect(control.location[0]!.hostPort?.port).not.toBe(control.registrarPort);
    expect(control.stunPorts).toContain(control.location[0]!.hostPort?.port);
    expect(control.callerExit).not.toBe(0);
  }, 600_000);
});
