import type { NatType, StunServerResult, TransportAddress } from '../../src-shared/domain.js';
import { classifyNat } from './nat-classifier.js';
import { StunClient } from './stun-client.js';
import { parseStunServer, resolveStunServer } from './stun-server-spec.js';
import { localAddressToward, type UdpEndpoint } from './udp-endpoint.js';

export interface DiscoveryOptions {
  /** Discovery always resolves within this bound, answers or not (default 1500 ms). */
  deadlineMs?: number;
  /**
   * Once one server answered, wait at most this long for the others (default 300 ms): enough
   * for a second answer to classify the NAT, short enough that a dead server never stalls a call.
   * 0 returns on the first answer.
   */
  graceAfterFirstMs?: number;
  rtoMs?: number;
  /** The local address to compare mappings with; the routed source address by default. */
  localAddress?: string;
}

export interface DiscoveryResult {
  local: TransportAddress;
  /** The answer of the highest-priority server that answered. */
  mapped: TransportAddress | null;
  /** One per server, in the order given. */
  results: StunServerResult[];
  natType: NatType;
  elapsedMs: number;
}

interface ServerAnswer {
  serverAddress: TransportAddress | null;
  mapped: TransportAddress | null;
  rttMs: number | null;
  error?: string;
}

/**
 * Asks every STUN server in parallel from `endpoint` (the socket whose mapping matters) and
 * classifies the NAT from their answers, bounded by `deadlineMs` whatever the servers do.
 */
export async function discoverMapping(
  endpoint: UdpEndpoint,
  servers: string[],
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const started = performance.now();
  const deadlineMs = options.deadlineMs ?? 1500;
  const graceAfterFirstMs = options.graceAfterFirstMs ?? 300;
  const controller = new AbortController();
  const client = new StunClient(
    endpoint,
    options.rtoMs === undefined ? {} : { rtoMs: options.rtoMs },
  );
  const answers: ServerAnswer[] = servers.map(() => ({
    serverAddress: null,
    mapped: null,
    rttMs: null,
  }));

  let firstAnswer: () => void = () => undefined;
  const firstAnswered = new Promise<void>((resolve) => (firstAnswer = resolve));
  const queries = servers.map(async (spec, index) => {
    const answer = answers[index] as ServerAnswer;
    try {
      const server = await resolveStunServer(parseStunServer(spec), deadlineMs);
      answer.serverAddress = server;
      if (controller.signal.aborted) throw new Error('no answer before the deadline');
      const outcome = await client.binding(server, { signal: controller.signal });
      if (outcome.ok) {
        answer.mapped = outcome.mapped;
        answer.rttMs = outcome.rttMs;
        firstAnswer();
      } else {
        answer.error =
          outcome.error.code === 'aborted'
            ? 'no answer before the deadline'
            : outcome.error.message;
      }
    } catch (error) {
      answer.error = error instanceof Error ? error.message : String(error);
    }
  });

  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const allDone = Promise.all(queries).then(() => undefined);
  await Promise.race([
    allDone,
    new Promise<void>((resolve) => (deadlineTimer = setTimeout(resolve, deadlineMs))),
    firstAnswered.then(
      () => new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, graceAfterFirstMs))),
    ),
  ]);
  clearTimeout(deadlineTimer);
  clearTimeout(graceTimer);
  controller.abort();
  await allDone;
  client.close();

  const localAddress =
    options.localAddress ??
    (endpoint.bound.address !== '0.0.0.0'
      ? endpoint.bound.address
      : await routedAddress(answers.find((a) => a.serverAddress)?.serverAddress ?? null));
  const local = { address: localAddress, port: endpoint.bound.port };
  const results: StunServerResult[] = answers.map((answer, index) => ({
    server: servers[index] ?? '',
    mapped: answer.mapped,
    rttMs: answer.rttMs === null ? null : Math.round(answer.rttMs * 100) / 100,
    ...(answer.error === undefined ? {} : { error: answer.error }),
  }));
  return {
    local,
    mapped: answers.find((answer) => answer.mapped)?.mapped ?? null,
    results,
    natType: classifyNat(
      local,
      answers
        .filter(
          (a): a is ServerAnswer & { serverAddress: TransportAddress } => a.serverAddress !== null,
        )
        .map(({ serverAddress, mapped }) => ({ serverAddress, mapped })),
    ),
    elapsedMs: performance.now() - started,
  };
}

async function routedAddress(toward: TransportAddress | null): Promise<string> {
  try {
    return await localAddressToward(toward?.address ?? '192.0.2.1', toward?.port ?? 9);
  } catch {
    return '0.0.0.0';
  }
}
