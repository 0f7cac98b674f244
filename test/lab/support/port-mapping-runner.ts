/**
 * Runs the port-mapping client where the lab test cannot: inside the client namespace
 * (`ip netns exec ... node dist/test/lab/support/port-mapping-runner.js PORT LIFETIME [METHODS]
 * [STUN_ADDRESS]`). It binds UDP PORT, asks the router to map it, and beside it binds PORT + 1,
 * which is never mapped (the control). It prints one JSON line per event: `granted` or `failed`,
 * `renewed`, `lost`, `received` (a datagram on either socket), `closed`. It reads commands from
 * stdin, one per line:
 * - `send HOST PORT TEXT` / `send-control HOST PORT TEXT`: a datagram from the mapped / the
 *   control socket;
 * - `close`: deletes the mapping, prints `closed`, and exits.
 */
import dgram from 'node:dgram';
import { createInterface } from 'node:readline';
import {
  PortMappingError,
  requestMapping,
  type PortMapping,
  type PortMappingMethod,
} from '../../../src-main/net/port-mapping.js';

const [portText, lifetimeText, methodsText, stunAddress] = process.argv.slice(2);
const localPort = Number(portText);
const lifetimeSeconds = Number(lifetimeText);
if (!Number.isInteger(localPort) || !Number.isInteger(lifetimeSeconds)) {
  process.stderr.write('usage: port-mapping-runner PORT LIFETIME [METHODS] [STUN_ADDRESS]\n');
  process.exit(2);
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`);
}

async function bind(port: number, name: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (datagram, from) => {
    emit({ received: { socket: name, from: `${from.address}:${from.port}`, text: `${datagram}` } });
  });
  await new Promise<void>((resolve) => socket.bind(port, resolve));
  return socket;
}

const mapped = await bind(localPort, 'mapped');
const control = await bind(localPort + 1, 'control');
const started = Date.now();
let mapping: PortMapping | null = null;
try {
  mapping = await requestMapping({
    localPort,
    protocol: 'udp',
    lifetimeSeconds,
    methods:
      methodsText && methodsText !== '-'
        ? (methodsText.split(',') as PortMappingMethod[])
        : undefined,
    stunAddress: stunAddress || undefined,
  });
  emit({
    granted: {
      method: mapping.method,
      external: mapping.external,
      lifetimeSeconds: mapping.lifetimeSeconds,
      gateway: mapping.gateway,
      elapsedMs: Date.now() - started,
    },
  });
  mapping.onLost((loss) => emit({ lost: loss }));
  mapping.onChanged((external) => emit({ changed: external }));
  let renewals = 0;
  setInterval(() => {
    if (mapping && mapping.renewals !== renewals) {
      renewals = mapping.renewals;
      emit({
        renewed: { renewals, external: mapping.external, lifetime: mapping.lifetimeSeconds },
      });
    }
  }, 100);
} catch (error) {
  const code = error instanceof PortMappingError ? error.code : 'internal';
  emit({
    failed: { code, message: String((error as Error).message), elapsedMs: Date.now() - started },
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, host, port, ...words] = line.trim().split(' ');
  if (command === 'send' || command === 'send-control') {
    const socket = command === 'send' ? mapped : control;
    socket.send(words.join(' '), Number(port), host);
  } else if (command === 'close') {
    const removed = mapping ? await mapping.close() : false;
    emit({ closed: removed });
    process.exit(0);
  }
}
