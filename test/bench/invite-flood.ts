/**
 * An INVITE flood from the registrar's own address (the one source the engine takes requests
 * from), on loopback: a registered engine in this process, sipp as the registrar, and a flooder
 * in a child process (so that it does not share the engine's event loop) sending INVITEs with
 * a new Call-ID each, from a few callers, at a fixed rate. Counted on the flooder's socket:
 * what came back, how fast, and whether a call placed right after still connects.
 */
import { spawn } from 'node:child_process';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import { LAB_PASSWORD, LAB_USER, startLoopbackSipp, waitFor } from '../lab/support/peers.js';

export interface InviteFloodResult {
  sent: number;
  seconds: number;
  /** INVITEs refused (first final response 486, 503 or another refusal), per second of flood. */
  refusedPerSecond: number;
  /** INVITEs that got any answer, per second of flood (the engine's throughput). */
  answeredPerSecond: number;
  /** INVITEs never answered at all within 3 s after the flood. */
  unanswered: number;
  /** Calls that rang the user (180 sent). */
  rang: number;
  /** INVITEs by the first final response each got. */
  byStatus: Record<string, number>;
  callAfterConnected: boolean;
  /** The engine's CPU time (this process) while the flood lasted, per INVITE sent. */
  cpuMicrosPerInvite: number;
  /** The same as a share of one core over the flood. */
  cpuPercent: number;
}

const FLOODER = `
const dgram = require('node:dgram');
const [port, rate, seconds] = process.argv.slice(1).map(Number);
const socket = dgram.createSocket('udp4');
const answered = new Set();
const finals = new Map();
socket.on('message', (message) => {
  const text = message.toString();
  const status = text.slice(8, 11);
  const callId = /^Call-ID:\\s*(\\S+)/im.exec(text);
  if (!callId) return;
  answered.add(callId[1]);
  if (Number(status) >= 200 && !finals.has(callId[1])) finals.set(callId[1], status);
});
socket.bind(0, '127.0.0.1', () => {
  const own = socket.address().port;
  let sent = 0;
  const total = rate * seconds;
  const started = Date.now();
  const tick = setInterval(() => {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const caller = '1514555010' + (sent % 3);
      socket.send([
        'INVITE sip:${LAB_USER}@127.0.0.1 SIP/2.0',
        'Via: SIP/2.0/UDP 127.0.0.1:' + own + ';branch=z9hG4bK-flood-' + sent,
        'Max-Forwards: 70',
        'From: <sip:' + caller + '@127.0.0.1>;tag=f' + sent,
        'To: <sip:${LAB_USER}@127.0.0.1>',
        'Call-ID: flood-' + sent,
        'CSeq: 1 INVITE',
        'Contact: <sip:' + caller + '@127.0.0.1:' + own + '>',
        'Content-Length: 0', '', ''].join('\\r\\n'), port, '127.0.0.1');
    }
    if (sent >= total) {
      clearInterval(tick);
      const floodSeconds = (Date.now() - started) / 1000;
      setTimeout(() => {
        const byStatus = {};
        for (const status of finals.values()) byStatus[status] = (byStatus[status] || 0) + 1;
        process.stdout.write(JSON.stringify({ sent, floodSeconds, answered: answered.size, byStatus }));
        socket.close();
      }, 3000);
    }
  }, 5);
});
`;

export async function measureInviteFlood(options: {
  rate: number;
  seconds: number;
}): Promise<InviteFloodResult> {
  const provider = await startLoopbackSipp('provider-comedia.xml', ['-rtp_echo']);
  const engine = new NatterEngine({ stunServers: [], localAddress: '127.0.0.1' });
  try {
    const registration = await engine.invoke('register', {
      account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER },
      password: LAB_PASSWORD,
    });
    if (registration.state !== 'registered') throw new Error('the engine did not register');
    const contactPort = Number(/:(\d+);transport/.exec(engine.contactHeader ?? '')?.[1]);
    const ringing = new Set<string>();
    engine.on('call', (info) => {
      if (info.direction === 'incoming' && info.state === 'incoming') ringing.add(info.id);
    });
    const flooder = spawn(
      process.execPath,
      ['-e', FLOODER, String(contactPort), String(options.rate), String(options.seconds)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    const cpuBefore = process.cpuUsage();
    const cpuStart = performance.now();
    flooder.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => flooder.once('exit', resolve));
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const wallMs = performance.now() - cpuStart;
    const flood = JSON.parse(output) as {
      sent: number;
      floodSeconds: number;
      answered: number;
      byStatus: Record<string, number>;
    };
    for (const id of ringing) await engine.invoke('reject', { callId: id }).catch(() => undefined);
    const states: string[] = [];
    engine.on('call', (info) => states.push(`${info.direction}:${info.state}`));
    const call = await engine.invoke('call', { target: '4443' });
    const callAfterConnected = await waitFor(() => states.includes('outgoing:connected'), 10_000);
    await engine.invoke('hangup', { callId: call.id }).catch(() => undefined);
    const refused = Object.entries(flood.byStatus)
      .filter(([status]) => Number(status) >= 300)
      .reduce((sum, [, count]) => sum + count, 0);
    return {
      sent: flood.sent,
      seconds: flood.floodSeconds,
      refusedPerSecond: refused / flood.floodSeconds,
      answeredPerSecond: flood.answered / flood.floodSeconds,
      unanswered: flood.sent - flood.answered,
      rang: ringing.size,
      byStatus: flood.byStatus,
      callAfterConnected,
      cpuMicrosPerInvite: (cpuMs * 1000) / flood.sent,
      cpuPercent: (cpuMs / wallMs) * 100,
    };
  } finally {
    await engine.shutdown();
    provider.child.kill('SIGKILL');
  }
}
