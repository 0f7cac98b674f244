/**
 * The NAT doctor's "binding lifetime" step: how long the router keeps an idle UDP mapping, so the
 * keepalive interval can be set safely below it (RFC 5780 §4.6).
 *
 * One socket X per idle gap, all opened at once, so the whole measurement lasts about the longest
 * gap rather than the sum of them. Each X learns its mapping from the server S; after `gap`
 * seconds of silence on X, a fresh socket Y asks S, with RESPONSE-PORT = X's public port, to
 * answer to that port. S answers from the address X talked to, so the answer gets through the
 * router exactly when X's mapping still exists, whatever the router's filtering or its port
 * allocation (a symmetric NAT included: the mapping is per destination, and the destination is
 * the same server address and port).
 */
import { randomBytes } from 'node:crypto';
import type { TransportAddress } from '../../src-shared/domain.js';
import {
  BINDING_ERROR,
  decodeStunMessage,
  encodeBindingRequest,
  type DecodedStunMessage,
} from './stun-codec.js';
import { StunClient, type StunClientOptions } from './stun-client.js';
import { StunTransactions, type StunRetransmission } from './stun-transaction.js';
import { parseStunServer, resolveStunServer } from './stun-server-spec.js';
import { UdpEndpoint } from './udp-endpoint.js';

export interface BindingLifetimeOptions {
  /** host:port of a STUN server that honours RESPONSE-PORT (coturn on two addresses does). */
  server: string;
  /** The longest idle gap tried, seconds (default 180). */
  maxSeconds?: number;
  /** The shortest idle gap tried, seconds (default 5). */
  minSeconds?: number;
  /** Ratio between successive gaps, above 1 and at most 1.2 (default 1.2). */
  ratio?: number;
  /** Local address for the probe sockets (the interface the phone uses); all by default. */
  bindAddress?: string;
  /** Ends the measurement early; the result then carries what was learned and an error. */
  signal?: AbortSignal;
  /** Each probe's result as it lands, in about increasing gap order. */
  onProbe?: (probe: { gapSeconds: number; alive: boolean }) => void;
}

export interface BindingLifetimeResult {
  /** Whether the server honoured RESPONSE-PORT, without which nothing can be measured. */
  supported: boolean;
  /** Longest gap after which the mapping was still there: the lifetime is at least this. */
  aliveSeconds: number | null;
  /** Shortest gap after which the mapping was gone: the lifetime is below this. */
  expiredSeconds: number | null;
  /** Every conclusive probe, by increasing gap. */
  probes: { gapSeconds: number; alive: boolean }[];
  /** Why the measurement failed or stopped short; null when it ran to its end. */
  error: string | null;
  server: string;
}

type Probe = { gapSeconds: number; alive: boolean };

/**
 * Linux conntrack gives a UDP flow its long "stream" timeout only for a packet that arrives more
 * than 2 s after the flow began and after a reply was seen; before that every packet rearms the
 * short "unreplied" one. A SIP or RTP flow is a stream, so the second Binding on X waits past that.
 */
const SECOND_BINDING_DELAY_MS = 2500;
/** A probe is sent, sent again after 1 s, and given up 2 s after the first send. */
const PROBE_SCHEDULE: StunRetransmission = { rtoMs: 1000, maxTransmissions: 2, finalWaitFactor: 1 };
/** Setting up X: 4 sends over 3.5 s, then 1.5 s more; a silent server fails within 5 s. */
const ESTABLISH: StunClientOptions = { rtoMs: 500, maxAttempts: 4, finalWaitFactor: 3 };
/** After a silent probe: does the server still answer at all? (3 sends, failed within 2.5 s.) */
const CONTROL: StunClientOptions = { rtoMs: 500, maxAttempts: 3, finalWaitFactor: 2 };
const DNS_TIMEOUT_MS = 3000;
const MAX_RATIO = 1.2;
const MAX_PROBES = 64;
/**
 * Once this many gaps longer than every surviving one have expired, longer gaps can only expire
 * too; stopping there ends a 180 s measurement of a 30 s router after about 45 s. Two, not one,
 * so that a probe lost on the way does not end the run on its own.
 */
const EXPIRED_TO_STOP = 2;

/**
 * Keepalive interval safely below a measured lifetime: 60 % of the lower bound, clamped to
 * 1..120 s; null when nothing was measured.
 */
export function keepaliveForLifetime(result: BindingLifetimeResult): number | null {
  if (result.aliveSeconds === null) return null;
  // No fixed floor: a router that forgets after 8 s needs a keepalive under 8 s, not 10.
  return Math.min(120, Math.max(1, Math.floor(result.aliveSeconds * 0.6)));
}

/**
 * Measures the router's idle UDP mapping lifetime against `options.server`. Never throws: every
 * failure (bad options, unknown host, silent server, a server without RESPONSE-PORT, abort) comes
 * back in `error`, and every socket it opened is closed before it resolves.
 */
export async function measureBindingLifetime(
  options: BindingLifetimeOptions,
): Promise<BindingLifetimeResult> {
  const result: BindingLifetimeResult = {
    supported: false,
    aliveSeconds: null,
    expiredSeconds: null,
    probes: [],
    error: null,
    server: options.server,
  };
  const gaps = gapSeries(options);
  if (typeof gaps === 'string') return { ...result, error: gaps };
  const measurement = new Measurement(options, gaps, result);
  const userSignal = options.signal;
  const onAbort = () => measurement.stop.abort();
  userSignal?.addEventListener('abort', onAbort, { once: true });
  if (userSignal?.aborted) onAbort();
  try {
    await measurement.run();
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    userSignal?.removeEventListener('abort', onAbort);
    measurement.stop.abort();
    await measurement.closeAll();
  }
  result.probes = [...measurement.probes].sort((a, b) => a.gapSeconds - b.gapSeconds);
  const alive = result.probes.filter((probe) => probe.alive).map((probe) => probe.gapSeconds);
  const expired = result.probes.filter((probe) => !probe.alive).map((probe) => probe.gapSeconds);
  result.aliveSeconds = alive.length ? Math.max(...alive) : null;
  result.expiredSeconds = expired.length ? Math.min(...expired) : null;
  if (userSignal?.aborted) {
    result.error = `binding lifetime measurement aborted${result.probes.length ? ` after ${result.probes.length} probes` : ''}`;
  } else if (result.error === null && result.supported && result.probes.length === 0) {
    result.error = `no probe was conclusive: ${measurement.inconclusiveReason ?? 'no answers'}`;
  }
  return result;
}

/** The idle gaps, min..max in a geometric series whose ratio does not exceed the one asked. */
function gapSeries(options: BindingLifetimeOptions): number[] | string {
  const min = options.minSeconds ?? 5;
  const max = options.maxSeconds ?? 180;
  const ratio = options.ratio ?? MAX_RATIO;
  if (!Number.isFinite(min) || min <= 0) return `minSeconds must be a positive number, not ${min}`;
  if (!Number.isFinite(max) || max < min) return `maxSeconds (${max}) must be at least minSeconds`;
  if (!(ratio > 1 && ratio <= MAX_RATIO)) return `ratio must be above 1 and at most ${MAX_RATIO}`;
  // The epsilon keeps an exact power (5 → 7.2 at 1.2) from costing a spare step to rounding.
  const steps = Math.max(0, Math.ceil(Math.log(max / min) / Math.log(ratio) - 1e-9));
  if (steps + 1 > MAX_PROBES) {
    return `${steps + 1} probes from ${min} s to ${max} s at ratio ${ratio}: at most ${MAX_PROBES}`;
  }
  const step = steps === 0 ? 1 : (max / min) ** (1 / steps);
  const gaps = Array.from({ length: steps + 1 }, (_, k) => Math.round(min * step ** k * 100) / 100);
  return [...new Set(gaps)];
}

/** An X socket whose mapping is known and idle since `idleSince` (performance.now()). */
interface Flow {
  gapSeconds: number;
  endpoint: UdpEndpoint;
  mapped: TransportAddress;
  idleSince: number;
}

type ProbeOutcome =
  /** The answer reached the socket named by RESPONSE-PORT: its mapping exists. */
  | { kind: 'at-target' }
  /** The server answered the sending socket: it ignored or refused RESPONSE-PORT. */
  | { kind: 'at-sender'; detail: string }
  /** Nothing came; `senderMapped` says whether a plain Binding from the sender was answered. */
  | { kind: 'silent'; senderMapped: TransportAddress | null }
  /** The probe could not be run (no socket). */
  | { kind: 'failed'; detail: string }
  | { kind: 'cancelled' };

class Measurement {
  /** Aborted by the caller's signal, by the early stop, and at the end. */
  readonly stop = new AbortController();
  readonly probes: Probe[] = [];
  /** Why the last inconclusive probe was so, for the error when none concluded. */
  inconclusiveReason: string | null = null;
  private readonly sockets = new Set<UdpEndpoint>();
  private readonly pendingGaps = new Set<number>();
  /** Set by closeAll: a socket bound after it is closed at once rather than leaked. */
  private finished = false;

  constructor(
    private readonly options: BindingLifetimeOptions,
    private readonly gaps: number[],
    private readonly result: BindingLifetimeResult,
  ) {}

  private get signal(): AbortSignal {
    return this.stop.signal;
  }

  async run(): Promise<void> {
    const spec = this.options.server;
    const server = await this.untilStopped(
      resolveStunServer(parseStunServer(spec), DNS_TIMEOUT_MS),
    );
    if (server === null) return;
    if (!(await this.checkSupport(server))) return;
    this.result.supported = true;

    const established = await Promise.all(this.gaps.map((gap) => this.establish(server, gap)));
    if (this.signal.aborted) return;
    const flows = established.filter((flow): flow is Flow => typeof flow !== 'string');
    if (flows.length === 0) {
      const reasons = established.filter((flow): flow is string => typeof flow === 'string');
      throw new Error(`cannot set up the probes with ${spec}: ${reasons[0] ?? 'no answer'}`);
    }
    for (const flow of flows) this.pendingGaps.add(flow.gapSeconds);
    await Promise.all(flows.map((flow) => this.probe(server, flow)));
  }

  /**
   * A RESPONSE-PORT probe right after X learned its mapping: it must reach X. Tells a server that
   * ignores the attribute (it answers Y) from one that honours it, before anyone waits minutes.
   */
  private async checkSupport(server: TransportAddress): Promise<boolean> {
    const spec = this.options.server;
    const target = await this.bind();
    const sender = await this.bind();
    const client = new StunClient(target, ESTABLISH);
    const binding = await client.binding(server, { signal: this.signal });
    client.close();
    if (!binding.ok) {
      if (binding.error.code !== 'aborted') {
        throw new Error(`no answer from STUN server ${spec}: ${binding.error.message}`);
      }
      return false;
    }
    const outcome = await responsePortProbe(
      target,
      binding.mapped.port,
      sender,
      server,
      this.signal,
    );
    await Promise.all([this.close(target), this.close(sender)]);
    switch (outcome.kind) {
      case 'at-target':
        return true;
      case 'at-sender':
        this.result.error =
          `${spec} does not honour RESPONSE-PORT (RFC 5780): it ${outcome.detail}. ` +
          'Measuring the binding lifetime needs a server with RFC 5780 support, such as coturn ' +
          'listening on two addresses.';
        return false;
      case 'silent':
        throw new Error(silentCheckReason(spec, binding.mapped, outcome.senderMapped));
      case 'failed':
        throw new Error(outcome.detail);
      case 'cancelled':
        return false;
    }
  }

  /** Opens X and makes its mapping look like an established flow; a string says why not. */
  private async establish(server: TransportAddress, gapSeconds: number): Promise<Flow | string> {
    let endpoint: UdpEndpoint;
    try {
      endpoint = await this.bind();
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    const client = new StunClient(endpoint, ESTABLISH);
    try {
      const first = await client.binding(server, { signal: this.signal });
      if (!first.ok) return first.error.message;
      if (!(await sleep(SECOND_BINDING_DELAY_MS, this.signal))) return 'aborted';
      const second = await client.binding(server, { signal: this.signal });
      if (!second.ok) return second.error.message;
      return { gapSeconds, endpoint, mapped: second.mapped, idleSince: performance.now() };
    } finally {
      client.close();
    }
  }

  private async probe(server: TransportAddress, flow: Flow): Promise<void> {
    const waitMs = flow.idleSince + flow.gapSeconds * 1000 - performance.now();
    if (!(await sleep(waitMs, this.signal))) return;
    let outcome: ProbeOutcome;
    try {
      const sender = await this.bind();
      outcome = await responsePortProbe(
        flow.endpoint,
        flow.mapped.port,
        sender,
        server,
        this.signal,
      );
      await Promise.all([this.close(flow.endpoint), this.close(sender)]);
    } catch (error) {
      outcome = { kind: 'failed', detail: error instanceof Error ? error.message : String(error) };
    }
    if (outcome.kind === 'cancelled') return;
    this.pendingGaps.delete(flow.gapSeconds);
    if (outcome.kind === 'at-target') {
      this.record({ gapSeconds: flow.gapSeconds, alive: true });
    } else if (outcome.kind === 'silent' && outcome.senderMapped) {
      this.record({ gapSeconds: flow.gapSeconds, alive: false });
    } else {
      // Silence while the server is down, or a server that changed its mind about
      // RESPONSE-PORT, says nothing about the router.
      this.inconclusiveReason =
        outcome.kind === 'silent'
          ? `${this.options.server} stopped answering`
          : outcome.kind === 'failed'
            ? outcome.detail
            : `${this.options.server} ${outcome.detail}`;
    }
    this.stopIfSettled();
  }

  private record(probe: Probe): void {
    this.probes.push(probe);
    try {
      this.options.onProbe?.({ ...probe });
    } catch {
      // A failing progress listener must not cost the measurement.
    }
  }

  private stopIfSettled(): void {
    const longestAlive = Math.max(
      0,
      ...this.probes.filter((probe) => probe.alive).map((probe) => probe.gapSeconds),
    );
    const expired = this.probes
      .filter((probe) => !probe.alive && probe.gapSeconds > longestAlive)
      .map((probe) => probe.gapSeconds)
      .sort((a, b) => a - b);
    const settledAt = expired[EXPIRED_TO_STOP - 1];
    if (settledAt === undefined) return;
    if ([...this.pendingGaps].every((gap) => gap > settledAt)) this.stop.abort();
  }

  private async bind(): Promise<UdpEndpoint> {
    const endpoint = await UdpEndpoint.bind({
      ...(this.options.bindAddress === undefined ? {} : { address: this.options.bindAddress }),
      role: 'media',
    });
    // UdpEndpoint re-emits socket errors; unheard, an 'error' event would be thrown.
    endpoint.onError(() => undefined);
    if (this.finished) {
      await endpoint.close();
      throw new Error('binding lifetime measurement ended');
    }
    this.sockets.add(endpoint);
    return endpoint;
  }

  private async close(endpoint: UdpEndpoint): Promise<void> {
    this.sockets.delete(endpoint);
    await endpoint.close();
  }

  async closeAll(): Promise<void> {
    this.finished = true;
    await Promise.all([...this.sockets].map((endpoint) => this.close(endpoint)));
  }

  /** The promise's value, or null once the measurement is stopped, whichever comes first. */
  private untilStopped<T>(promise: Promise<T>): Promise<T | null> {
    if (this.signal.aborted) return Promise.resolve(null);
    return new Promise<T | null>((resolve, reject) => {
      const onStop = () => resolve(null);
      this.signal.addEventListener('abort', onStop, { once: true });
      promise.then(
        (value) => {
          this.signal.removeEventListener('abort', onStop);
          resolve(value);
        },
        (error: unknown) => {
          this.signal.removeEventListener('abort', onStop);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

/**
 * Sends from `sender` a Binding request asking `server` to answer to `targetPort` of the sender's
 * public address, and watches both sockets for the answer (matched by transaction ID). After
 * silence, a plain Binding from the sender tells a vanished mapping from a vanished server.
 */
async function responsePortProbe(
  target: UdpEndpoint,
  targetPort: number,
  sender: UdpEndpoint,
  server: TransportAddress,
  signal: AbortSignal,
): Promise<ProbeOutcome> {
  if (signal.aborted) return { kind: 'cancelled' };
  const id = randomBytes(12);
  const request = encodeBindingRequest(id, { responsePort: targetPort });
  // One transaction, answered on either socket: an answer at X, even an error response, proves
  // the mapping; one at the sender means the server ignored RESPONSE-PORT.
  const transactions = new StunTransactions<undefined, ProbeOutcome>(sender);
  const listen = (socket: UdpEndpoint, outcome: (message: DecodedStunMessage) => ProbeOutcome) =>
    socket.on('stun', (datagram, from) => {
      const message = decodeStunMessage(datagram);
      const transaction = message && transactions.find(message.transactionId, from);
      if (message && transaction) transaction.answer(outcome(message));
    });
  const offTarget = listen(target, () => ({ kind: 'at-target' }));
  const offSender = listen(sender, (message) => ({
    kind: 'at-sender',
    detail: describeSenderAnswer(message),
  }));
  // A failed send is the same as a lost one: the retransmission or the control decides.
  const answered = await transactions.run(
    { id, datagram: request, to: server, meta: undefined },
    PROBE_SCHEDULE,
    signal,
  );
  offTarget();
  offSender();
  if (!answered.ok && answered.code === 'aborted') return { kind: 'cancelled' };
  const heard = answered.ok ? answered.answer : null;
  if (heard) return heard;
  const control = new StunClient(sender, CONTROL);
  const outcome = await control.binding(server, { signal });
  control.close();
  if (!outcome.ok && outcome.error.code === 'aborted') return { kind: 'cancelled' };
  return { kind: 'silent', senderMapped: outcome.ok ? outcome.mapped : null };
}

function describeSenderAnswer(message: DecodedStunMessage): string {
  if (message.type === BINDING_ERROR) {
    const code = message.errorCode ?? 0;
    return `refused the request with error ${code}${message.errorReason ? ` ${message.errorReason}` : ''}`;
  }
  return 'answered the requesting socket instead of the port named in RESPONSE-PORT';
}

function silentCheckReason(
  spec: string,
  targetMapped: TransportAddress,
  senderMapped: TransportAddress | null,
): string {
  if (senderMapped === null) return `STUN server ${spec} stopped answering`;
  if (senderMapped.address !== targetMapped.address) {
    return (
      `the router sends two sockets out from different public addresses (${targetMapped.address} ` +
      `and ${senderMapped.address}), so RESPONSE-PORT cannot reach the probed mapping`
    );
  }
  return (
    `${spec} answers Binding requests but its answer to RESPONSE-PORT ${targetMapped.port} never ` +
    'arrived, even with no idle time: the server drops such requests, or the router blocks the answer'
  );
}

/** Resolves true after `ms`, or false as soon as `signal` is aborted. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
