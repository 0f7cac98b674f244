/**
 * A real provider stack: Kamailio as registrar and proxy (digest auth with qop, force_rport,
 * nathelper's NAT test) with a callee and an incoming caller behind it, and the client behind a
 * cone NAT. Registration, calls both ways and re-INVITEs are judged on the provider's side: the
 * location table Kamailio keeps, the capture on its wire, and what the carrier's sipp received.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { contactHostPort, header, sipPackets, startCapture } from './support/capture.js';
import {
  CARRIER,
  NAT_BRANCH_FLAG,
  startCarrier,
  startKamailio,
  type KamailioHandle,
} from './support/kamailio.js';
import { createLab, installLabCleanup, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  delay,
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  stunBinding,
  waitFor,
} from './support/peers.js';
import type { CallReportJson, ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: Kamailio registrar',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'turnserver', 'tshark']),
);
installLabCleanup();

const STUN_ARGS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const ACCOUNT_ARGS = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];

/** A lab of the test's own with Kamailio as the provider, removed as soon as the test ends. */
async function providerLab(
  test: TestContext,
  nonceExpireSeconds?: number,
): Promise<{ lab: Lab; kamailio: KamailioHandle }> {
  const lab = createLab({ nat: 'cone' });
  test.onTestFinished(() => lab.destroy());
  await startCoturn(lab);
  const kamailio = await startKamailio(
    lab,
    nonceExpireSeconds === undefined ? {} : { nonceExpireSeconds },
  );
  return { lab, kamailio };
}

// The nonce's expiry is a minute of waiting: the calls run beside it, two tests at a time.
const describeSideBySide = describe.skipIf(skip).concurrent;

describeSideBySide('Kamailio as registrar and proxy, client behind a cone NAT', () => {
  it('refreshes the registration after its nonce expired: a fresh challenge, accepted again', async (test) => {
    const nonceExpireSeconds = 15;
    const { lab, kamailio } = await providerLab(test, nonceExpireSeconds);
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const listening = runNatter(
      lab,
      ['listen', ...ACCOUNT_ARGS, ...STUN_ARGS, '--expires', '60', '--seconds', '58', '--json'],
      { timeoutMs: 90_000 },
    );
    expect(await waitFor(() => kamailio.location().length > 0, 10_000)).toBe(true);
    const first = kamailio.location()[0]!;
    // sip.js refreshes at 85 % of the 60 s granted, long after the first nonce expired; without
    // a refresh the binding would have about 6 s left by now.
    await delay(54_000);
    const refreshed = kamailio.location();
    const run = await listening;
    const sip = sipPackets(await wire.stop());
    expect(run.json, run.stderr).toMatchObject({ registered: true });
    expect(refreshed.map((c) => c.hostPort)).toEqual([first.hostPort]);
    expect(refreshed[0]!.expires).toBeGreaterThan(50);
    const nonce = (text: string) => /nonce="([^"]+)"/.exec(text)?.[1];
    // 200s that granted a binding (the un-REGISTER's 200 at the end grants none).
    const accepted = sip.filter(
      (m) =>
        m.status === 200 &&
        m.cseq?.method === 'REGISTER' &&
        Number(/expires=(\d+)/.exec(header(m.text, 'Contact') ?? '')?.[1] ?? 0) > 0,
    );
    const authorized = sip.filter(
      (m) => m.method === 'REGISTER' && header(m.text, 'Authorization') !== null,
    );
    // Two registrations accepted, more than the nonce lifetime apart, each with its own nonce.
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(accepted.at(-1)!.time - accepted[0]!.time).toBeGreaterThan(nonceExpireSeconds);
    const nonces = new Set(authorized.map((m) => nonce(header(m.text, 'Authorization') ?? '')));
    expect(nonces.size).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('registers with a qop digest; the location holds our public Contact; an incoming call is answered', async (test) => {
    const { lab, kamailio } = await providerLab(test);
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const listening = runNatter(
      lab,
      ['listen', ...ACCOUNT_ARGS, ...STUN_ARGS, '--answer', '--seconds', '12', '--json'],
      { timeoutMs: 60_000 },
    );
    const registered = await waitFor(() => kamailio.location().length > 0, 10_000);
    expect(registered, kamailio.output().slice(-2000)).toBe(true);
    const [stored] = kamailio.location();
    const caller = await startCarrier(lab, 'caller');
    const callerExit = await caller.exited;
    const run = await listening;
    const packets = await wire.stop();
    const report = run.json as unknown as ListenReportJson;
    const sip = sipPackets(packets);

    // The registrar stored the Contact we sent: the router's public address and the port our
    // SIP socket is mapped to (what the router's table says the registrar's flow uses).
    expect(report, run.stderr).toMatchObject({ registered: true });
    expect(stored!.hostPort).toEqual(contactHostPort(report.contact));
    expect(stored!.hostPort?.address).toBe(PUBLIC.router);
    const registerFromClient = sip.find((m) => m.method === 'REGISTER')!;
    expect(stored!.hostPort?.port).toBe(registerFromClient.sport);
    expect(stored!.cflags & NAT_BRANCH_FLAG).toBe(NAT_BRANCH_FLAG);

    // Digest with qop: the challenge offers it, the answer uses it.
    const challenge = sip.find((m) => m.status === 401 && m.cseq?.method === 'REGISTER');
    expect(header(challenge!.text, 'WWW-Authenticate')).toMatch(/qop="auth"/);
    const authorized = sip.find(
      (m) => m.method === 'REGISTER' && header(m.text, 'Authorization') !== null,
    );
    expect(header(authorized!.text, 'Authorization')).toMatch(/qop=auth.*nc=0*1|nc=0*1.*qop=auth/);
    // RFC 3581: every response Kamailio sent the client names the address it came from.
    const toClient = sip.filter((m) => m.status !== null && m.src === PUBLIC.provider);
    expect(toClient.length).toBeGreaterThan(2);
    for (const response of toClient) {
      const via = header(response.text, 'Via', 'v') ?? '';
      expect(via).toContain(`received=${PUBLIC.router}`);
      expect(via).toMatch(new RegExp(`rport=${response.dport}\\b`));
    }

    // The carrier's caller reached us through the registrar and its whole dialog ran: 200 OK,
    // ACK and BYE routed by the Contact we registered.
    expect(callerExit, caller.output().slice(-1500)).toBe(0);
    const invite = sip.find(
      (m) => m.method === 'INVITE' && m.src === PUBLIC.provider && m.dst === PUBLIC.router,
    );
    expect(invite?.dport).toBe(stored!.hostPort?.port);
    expect(report.calls).toHaveLength(1);
    expect(report.calls[0]).toMatchObject({ from: '15145550100', answered: true });
    expect(report.calls[0]!.rtp.received).toBeGreaterThan(20);
    expect(
      sip.some((m) => m.method === 'BYE' && m.src === PUBLIC.provider && m.dport === invite?.dport),
    ).toBe(true);
  }, 90_000);

  it('calls out through the proxy (407 with qop), and the callee re-INVITEs us to hold and back', async (test) => {
    const { lab } = await providerLab(test);
    const callee = await startCarrier(lab, 'callee');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(
      lab,
      ['call', '4443', ...ACCOUNT_ARGS, ...STUN_ARGS, '--seconds', '6', '--json'],
      { timeoutMs: 60_000 },
    );
    const calleeExit = await callee.exited;
    const packets = await wire.stop();
    const report = run.json as unknown as CallReportJson;
    const sip = sipPackets(packets);
    const mapping = await stunBinding(lab, lab.client, `${PUBLIC.stunA}:3478`);
    expect(mapping?.address).toBe(PUBLIC.router);

    expect(report, run.stderr).toMatchObject({ registered: true, answered: true });
    const invites = sip.filter((m) => m.method === 'INVITE' && m.src === PUBLIC.router);
    expect(header(invites[0]!.text, 'Proxy-Authorization')).toBeNull();
    const challenge = sip.find((m) => m.status === 407 && m.cseq?.method === 'INVITE');
    expect(header(challenge!.text, 'Proxy-Authenticate')).toMatch(/qop="auth"/);
    expect(header(invites.at(-1)!.text, 'Proxy-Authorization')).toMatch(/qop=auth/);
    // The callee's two re-INVITEs came back through Kamailio to the Contact of our INVITE, and
    // we answered both: its scenario (hold, unhold, our BYE) ran to the end.
    const ourContact = contactHostPort(header(invites.at(-1)!.text, 'Contact'));
    const reInvites = sip.filter(
      (m) => m.method === 'INVITE' && m.src === PUBLIC.provider && m.dst === PUBLIC.router,
    );
    expect(reInvites).toHaveLength(2);
    for (const reInvite of reInvites) expect(reInvite.dport).toBe(ourContact?.port);
    expect(calleeExit, callee.output().slice(-1500)).toBe(0);
    const received = callee.messages().filter((m) => m.direction === 'received');
    expect(received.filter((m) => m.startLine.startsWith('SIP/2.0 200'))).toHaveLength(2);
    expect(received.some((m) => m.startLine.startsWith('BYE'))).toBe(true);
    // Audio both ways through the callee's echo.
    expect(report.rtp.sent).toBeGreaterThan(50);
    expect(report.rtp.received).toBeGreaterThan(20);
    expect(report.oneWayAudio).toBe(false);
    expect(
      packets.some((p) => p.src === CARRIER.address && p.sport === CARRIER.calleeMediaPort),
    ).toBe(true);
  }, 90_000);
});
