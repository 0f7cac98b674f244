/**
 * Node's own floor for one call's packets: one UDP socket, the packet clock's 20 ms grid timer
 * (the media clock the engine uses), a 172-byte datagram (a G.711 packet's size) sent on each
 * tick to the echoing provider and its echo received, and nothing else: no codec, no RTP, no
 * SIP. Run by run-bench.ts in the lab's client namespace beside the call, so that the call's
 * CPU can be read against what any Node process doing its packets costs on the same machine
 * at the same moment.
 *
 * `node node-floor.js HOST PORT SECONDS`; prints the datagrams sent and received as JSON.
 */
import dgram from 'node:dgram';
import { systemClock } from '../../src-main/media/media-clock.js';

const PTIME_MS = 20;
const DATAGRAM_BYTES = 172;

const [host = '127.0.0.1', port = '16000', seconds = '30'] = process.argv.slice(2);
const socket = dgram.createSocket('udp4');
let received = 0;
let sent = 0;
socket.on('message', () => received++);
socket.bind(0, () => {
  const datagram = Buffer.alloc(DATAGRAM_BYTES, 0x80);
  const startedAt = systemClock.nextGridInstant?.(PTIME_MS, PTIME_MS / 2) ?? systemClock.now();
  const endAt = startedAt + Number(seconds) * 1000;
  let ticks = 0;
  const tick = (): void => {
    ticks++;
    const due = startedAt + ticks * PTIME_MS;
    if (due < endAt) systemClock.setTimer(tick, due - systemClock.now());
    socket.send(datagram, Number(port), host);
    sent++;
    if (due >= endAt) {
      socket.close();
      process.stdout.write(`${JSON.stringify({ sent, received })}\n`);
    }
  };
  systemClock.setTimer(tick, startedAt - systemClock.now());
});
