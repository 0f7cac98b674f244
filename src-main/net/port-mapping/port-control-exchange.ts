/**
 * One request/answer exchange with the router's port-control server over UDP, retransmitted as
 * RFC 6886 §3.1 asks (first after 250 ms, then doubling) but bounded by a deadline, because a
 * call setup waits on it. A fresh connected socket per exchange: the kernel then drops datagrams
 * from anyone but the gateway's port-control port, and reports ICMP port unreachable (no server
 * on the router) as ECONNREFUSED, which ends the exchange at once.
 */
import dgram from 'node:dgram';

export type ExchangeOutcome<T> =
  { kind: 'answer'; value: T } | { kind: 'timeout' } | { kind: 'unreachable'; detail: string };

export interface ExchangeOptions<T> {
  gateway: string;
  port: number;
  /** Builds the request once the socket knows the local address the router will see. */
  request: (localAddress: string) => Buffer;
  /** Maps a datagram to an answer, or undefined to keep waiting (not ours, or unreadable). */
  accept: (datagram: Buffer) => T | undefined;
  /** Absolute time (Date.now()) after which the exchange gives up. */
  deadline: number;
  firstRetransmitMs?: number;
}

export function exchange<T>(options: ExchangeOptions<T>): Promise<ExchangeOutcome<T>> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    let settled = false;
    let retransmitTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: ExchangeOutcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(retransmitTimer);
      clearTimeout(deadlineTimer);
      socket.close();
      resolve(outcome);
    };
    const deadlineTimer = setTimeout(
      () => finish({ kind: 'timeout' }),
      Math.max(0, options.deadline - Date.now()),
    );
    socket.on('error', (error: NodeJS.ErrnoException) => {
      finish({ kind: 'unreachable', detail: socketErrorWords(error) });
    });
    socket.on('message', (datagram) => {
      let answer: T | undefined;
      try {
        answer = options.accept(datagram);
      } catch {
        answer = undefined;
      }
      if (answer !== undefined) finish({ kind: 'answer', value: answer });
    });
    // Without a callback, a failed connect is reported as an 'error' event, handled above.
    socket.once('connect', () => {
      if (settled) return;
      let request: Buffer;
      try {
        request = options.request(socket.address().address);
      } catch (error) {
        finish({ kind: 'unreachable', detail: String(error) });
        return;
      }
      let interval = options.firstRetransmitMs ?? 250;
      const send = () => {
        if (settled) return;
        socket.send(request, (error) => {
          if (error) finish({ kind: 'unreachable', detail: socketErrorWords(error) });
        });
        retransmitTimer = setTimeout(send, interval);
        interval *= 2;
      };
      send();
    });
    socket.connect(options.port, options.gateway);
  });
}

function socketErrorWords(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'nothing listens for port-mapping requests on the router';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the router cannot be reached';
    default:
      return error.code ?? error.message;
  }
}
