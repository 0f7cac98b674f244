/**
 * Forged SIP responses must not move the Contact. Anyone who can send a datagram can put Via
 * `received`/`rport` in a response; a phone that believed it would re-REGISTER the forger's
 * address and the registrar would send it our incoming calls. The client sits on a public
 * address (no NAT filters the forger), registered at Kamailio; forged answers to REGISTER come
 * from a stranger in the internet (with the branch of a real REGISTER) and from the provider's
 * own host (with a branch we never sent). Kamailio's location table and its wire judge.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { contactHostPort, sipPackets, startCapture } from './support/capture.js';
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
  'lab: forged SIP responses',
  labUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'turnserver', 'tshark']),
);
installLabCleanup();

const FORGED_ADDRESS = '6.6.6.6';
const FORGED_PORT = 6666;

/** Sends each datagram of argv[2] (JSON) from argv[1] (address) to argv[3] (host:port). */
const SENDER = `
const dgram = require('node:dgram');
const [from, messages, to] = process.argv.slice(1);
const [host, port] = to.split(':');
const socket = dgram.createSocket('udp4');
socket.bind(0, from, async () => {
  for (const text of JSON.parse(messages)) {
    await new Promise((done) => socket.send(Buffer.from(text), Number(port), host, done));
  }
  socket.close();
});
`;

function forgedResponse(
  status: string,
  register: { branch: string; callId: string; cseq: number; from: string; to: string },
): string {
  return [
    `SIP/2.0 ${status}`,
    `Via: SIP/2.0/UDP 203.0.113.2;rport=${FORGED_PORT};received=${FORGED_ADDRESS};branch=${register.branch}`,
    `From: ${register.from}`,
    `To: ${register.to};tag=forged`,
    `Call-ID: ${register.callId}`,
    `CSeq: ${register.cseq} REGISTER`,
    `Contact: <sip:${LAB_USER}@${FORGED_ADDRESS}:${FORGED_PORT};transport=udp>;expires=300`,
    ...(status.startsWith('401')
      ? ['WWW-Authenticate: Digest realm="198.51.100.10", nonce="forged", qop="auth"']
      : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

let lab: Lab | null = null;
afterEach(() => {
  lab?.destroy();
  lab = null;
});

describe.skipIf(skip)('forged responses do not move the Contact', () => {
  it('a stranger, and the provider host with a branch we never sent, cannot redirect our calls', async () => {
    lab = createLab({ nat: 'none' });
    await startCoturn(lab);
    const kamailio = await startKamailio(lab);
    const before = await startCapture(lab, lab.internet, lab.internetInterface);
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
        '16',
        '--json',
      ],
      { timeoutMs: 60_000 },
    );
    expect(await waitFor(() => kamailio.location().length > 0, 8000)).toBe(true);
    await delay(1000);
    const registered = kamailio.location();
    const sip = sipPackets(await before.stop());
    const lastRegister = sip.filter((m) => m.method === 'REGISTER').at(-1)!;
    const contact = contactHostPort(lastRegister.contact)!;
    expect(registered.map((c) => c.hostPort)).toEqual([contact]);
    const real = {
      branch: lastRegister.branch!,
      callId: lastRegister.callId!,
      cseq: lastRegister.cseq!.number,
      from: /^From:\s*(.*)$/im.exec(lastRegister.text)![1]!.trim(),
      to: /^To:\s*(.*)$/im.exec(lastRegister.text)![1]!.trim(),
    };

    const after = await startCapture(lab, lab.internet, lab.internetInterface);
    const send = (from: string, messages: string[]) =>
      new Promise<void>((resolveSent) => {
        const child = lab!.spawn(lab!.internet, process.execPath, [
          '-e',
          SENDER,
          from,
          JSON.stringify(messages),
          `${contact.address}:${contact.port}`,
        ]);
        child.once('exit', () => resolveSent());
      });
    // A stranger, with the branch, Call-ID and CSeq of our real REGISTER.
    await send(PUBLIC.silent, [
      forgedResponse('200 OK', real),
      forgedResponse('401 Unauthorized', real),
    ]);
    // The provider's host (not its SIP port), with a transaction we never started.
    const unknown = { ...real, branch: 'z9hG4bKforged1', cseq: real.cseq + 1 };
    await send(PUBLIC.provider, [
      forgedResponse('200 OK', unknown),
      forgedResponse('401 Unauthorized', unknown),
    ]);
    await delay(2500);
    const stillRegistered = kamailio.location();
    const caller = await startCarrier(lab, 'caller');
    const callerExit = await caller.exited;
    const run = await listening;
    const packets = await after.stop();
    const report = run.json as unknown as ListenReportJson;

    // The forged datagrams reached the client's SIP socket...
    const forged = sipPackets(packets).filter(
      (m) =>
        m.dst === contact.address &&
        m.text.includes(FORGED_ADDRESS) &&
        (m.src === PUBLIC.silent || m.sport !== PROVIDER_SIP_PORT),
    );
    expect(forged).toHaveLength(4);
    // ...and moved nothing: no REGISTER named the forger, the location is unchanged, and the
    // carrier's call still reached us at our own address.
    const registers = sipPackets(packets).filter((m) => m.method === 'REGISTER');
    expect(registers.filter((m) => m.contact?.includes(FORGED_ADDRESS))).toEqual([]);
    expect(stillRegistered.map((c) => c.hostPort)).toEqual([contact]);
    expect(report, run.stderr).toMatchObject({ registered: true });
    expect(contactHostPort(report.contact)).toEqual(contact);
    expect(callerExit, caller.output().slice(-1000)).toBe(0);
    expect(report.calls).toHaveLength(1);
    expect(report.calls[0]).toMatchObject({ answered: true });
  }, 120_000);
});
