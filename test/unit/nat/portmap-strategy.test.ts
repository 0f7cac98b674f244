import { afterEach, describe, expect, it } from 'vitest';
import type { NatType, TransportAddress } from '../../../src-shared/domain.js';
import {
  PortMappingError,
  type PortMapping,
  type PortMappingLoss,
  type PortMappingRequest,
} from '../../../src-main/net/port-mapping.js';
import type { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';
import { mediaStrategyId, type NatMedia, type NatStrategy } from '../../../src-main/nat/index.js';
import {
  portmapStrategy,
  RouterVerdict,
  routerVerdict,
} from '../../../src-main/nat/portmap-strategy.js';

const ROUTER = '198.51.100.1';
const STUN_SEES = { address: ROUTER, port: 61_001 };

/** A mapping as the router granted it, whose losses and moves the test can cause. */
class GrantedMapping implements PortMapping {
  readonly gateway = '192.168.50.1';
  readonly method = 'pcp' as const;
  readonly lifetimeSeconds = 7200;
  readonly renewals = 0;
  active = true;
  closes = 0;
  private readonly lost = new Set<(loss: PortMappingLoss) => void>();
  private readonly changed = new Set<(external: TransportAddress) => void>();

  constructor(
    readonly localPort: number,
    public external: TransportAddress,
  ) {}

  onLost(listener: (loss: PortMappingLoss) => void) {
    this.lost.add(listener);
    return () => this.lost.delete(listener);
  }

  onChanged(listener: (external: TransportAddress) => void) {
    this.changed.add(listener);
    return () => this.changed.delete(listener);
  }

  lose(message: string) {
    this.active = false;
    for (const listener of this.lost) listener({ code: 'refused', message });
  }

  move(external: TransportAddress) {
    this.external = external;
    for (const listener of this.changed) listener(external);
  }

  close(): Promise<boolean> {
    this.closes += 1;
    this.active = false;
    return Promise.resolve(true);
  }
}

/** The router as the test scripts it: each request granted on port 40000 + local port, or not. */
function scriptedRouter(answer: (request: PortMappingRequest) => Error | null) {
  const requests: PortMappingRequest[] = [];
  const granted: GrantedMapping[] = [];
  return {
    requests,
    granted,
    requestMapping: (request: PortMappingRequest): Promise<PortMapping> => {
      requests.push(request);
      const refusal = answer(request);
      if (refusal) return Promise.reject(refusal);
      const mapping = new GrantedMapping(request.localPort, {
        address: ROUTER,
        port: 40_000 + (request.localPort % 20_000),
      });
      granted.push(mapping);
      return Promise.resolve(mapping);
    },
  };
}

/** STUN as the fallback: the SIP socket's mapping, and media it would open. */
function stunFallback(natType: NatType = 'symmetric') {
  const opened: string[] = [];
  const strategy: NatStrategy = {
    id: 'stun',
    mapsContact: true,
    discoverContact: () =>
      Promise.resolve({
        mapped: STUN_SEES,
        natType,
        servers: [{ server: 'stun.example:3478', mapped: STUN_SEES, rttMs: 3 }],
      }),
    openMedia: () => {
      opened.push('stun');
      return Promise.resolve({ strategy: 'stun' } as NatMedia);
    },
  };
  return { strategy, opened };
}

const sipSocket = { bound: { address: '0.0.0.0', port: 5062 }, onClose: () => () => true };
const endpoint = sipSocket as unknown as UdpEndpoint;

function strategyWith(
  router: ReturnType<typeof scriptedRouter>,
  fallback = stunFallback(),
  localAddress = '192.168.50.2',
  natStrategy: 'portmap' | 'auto' = 'portmap',
) {
  const logs: string[] = [];
  const verdict = new RouterVerdict();
  const strategy = portmapStrategy(
    {
      settings: {
        stunServers: ['stun.example:3478'],
        stunEnabled: true,
        stunDeadlineMs: 300,
        stunRtoMs: 100,
        turn: null,
        turnPolicy: 'symmetric',
        natStrategy,
      },
      localAddress,
      bindAddress: '127.0.0.1',
      log: (level, message) => logs.push(`${level}: ${message}`),
    },
    { fallback: () => fallback.strategy, requestMapping: router.requestMapping, verdict },
  );
  return { strategy, logs, verdict, fallback };
}

const opened: NatMedia[] = [];
afterEach(async () => {
  routerVerdict.forget();
  await Promise.all(opened.splice(0).map((media) => media.close()));
});

describe('portmap: the Contact', () => {
  it("carries the router's mapping of the SIP socket, asked with STUN's answer as the check", async () => {
    const router = scriptedRouter(() => null);
    const { strategy, verdict, logs } = strategyWith(router);
    const contact = await strategy.discoverContact(endpoint);
    expect(router.requests).toEqual([
      { localPort: 5062, protocol: 'udp', timeoutMs: 1500, stunAddress: ROUTER },
    ]);
    expect(contact.mapped).toEqual({ address: ROUTER, port: 45_062 });
    // STUN still classifies the NAT for the panel.
    expect(contact.natType).toBe('symmetric');
    expect(contact.servers).toHaveLength(1);
    expect(verdict.granted).toBe(true);
    expect(strategy.mapsContact).toBe(true);
    expect(logs).toContain(`info: the router maps the SIP socket to ${ROUTER}:45062`);

    // Held, not asked again at the next check; a move is seen at the next check.
    router.granted[0]?.move({ address: ROUTER, port: 45_999 });
    expect((await strategy.discoverContact(endpoint)).mapped?.port).toBe(45_999);
    expect(router.requests).toHaveLength(1);
    expect(logs.at(-1)).toMatch(/moved the mapping of the SIP socket to 198\.51\.100\.1:45999/);

    await strategy.release?.();
    expect(router.granted[0]?.closes).toBe(1);
  });

  it('falls back to STUN with the reason in words when the router does not answer', async () => {
    const router = scriptedRouter(
      () =>
        new PortMappingError(
          'timeout',
          'The router at 192.168.50.1 did not answer port-mapping requests (PCP, NAT-PMP) within 1.5 s.',
        ),
    );
    const { strategy, verdict, logs } = strategyWith(router);
    const contact = await strategy.discoverContact(endpoint);
    expect(contact.mapped).toEqual(STUN_SEES);
    expect(logs).toEqual([
      'warn: The router at 192.168.50.1 did not answer port-mapping requests (PCP, NAT-PMP) within 1.5 s; the Contact uses STUN instead',
    ]);
    expect(verdict.granted).toBe(false);
    expect(verdict.failedRecently).toMatch(/did not answer/);
    // A silent router is not waited for again at every check.
    await strategy.discoverContact(endpoint);
    expect(router.requests).toHaveLength(1);
  });

  it('in auto, a router without port mapping is told as information, not as a warning', async () => {
    const router = scriptedRouter(
      () =>
        new PortMappingError(
          'unavailable',
          'The router at 192.168.50.1 does not offer port mapping: nothing listens on its port 5351.',
        ),
    );
    const { strategy, logs } = strategyWith(router, stunFallback(), '192.168.50.2', 'auto');
    expect((await strategy.discoverContact(endpoint)).mapped).toEqual(STUN_SEES);
    expect(logs).toEqual([
      'info: The router at 192.168.50.1 does not offer port mapping: nothing listens on its port 5351; the Contact uses STUN instead',
    ]);
  });

  it('refuses a lying router: its untrusted mapping gives way to STUN', async () => {
    const router = scriptedRouter(
      (request) =>
        new PortMappingError(
          'untrusted',
          `The router at 192.168.50.1 offered a mapping on 203.0.113.9, but STUN sees this computer as ${request.stunAddress} (another NAT in between).`,
        ),
    );
    const { strategy, logs } = strategyWith(router);
    expect((await strategy.discoverContact(endpoint)).mapped).toEqual(STUN_SEES);
    expect(logs[0]).toMatch(/STUN sees this computer as 198\.51\.100\.1.*the Contact uses STUN/);
  });

  it('asks again after the router lost the mapping', async () => {
    const router = scriptedRouter(() => null);
    const { strategy, verdict, logs } = strategyWith(router);
    await strategy.discoverContact(endpoint);
    router.granted[0]?.lose(
      'The router at 192.168.50.1 refused the renewal; the port mapping is gone.',
    );
    expect(verdict.granted).toBe(false);
    expect(logs.at(-1)).toMatch(/port mapping is gone\. \(the SIP socket\)/);
    const again = await strategy.discoverContact(endpoint);
    expect(router.requests).toHaveLength(2);
    expect(again.mapped).toEqual(router.granted[1]?.external);
  });

  it('does not ask when no router stands in front (a loopback or public address)', async () => {
    const router = scriptedRouter(() => null);
    const { strategy } = strategyWith(router, stunFallback(), '127.0.0.1');
    expect((await strategy.discoverContact(endpoint)).mapped).toEqual(STUN_SEES);
    expect(router.requests).toHaveLength(0);
  });
});

describe('portmap: a call', () => {
  it("maps both sockets of the pair: the SDP carries the router's ports; close removes them", async () => {
    const router = scriptedRouter(() => null);
    const { strategy, verdict } = strategyWith(router);
    verdict.recordGrant(ROUTER, 'symmetric');
    const media = await strategy.openMedia();
    opened.push(media);
    const [rtp, rtcp] = router.granted;
    const [rtpPort = -1, rtcpPort] = router.requests.map((r) => r.localPort);
    expect(rtpPort % 2).toBe(0);
    expect(rtcpPort).toBe(rtpPort + 1);
    expect(router.requests.every((r) => r.stunAddress === ROUTER)).toBe(true);
    expect(media.strategy).toBe('portmap');
    expect(media.address).toEqual({
      connection: ROUTER,
      audioPort: rtp?.external.port,
      source: 'portmap',
    });
    expect(media.rtcpAddress).toEqual(rtcp?.external);
    await media.close();
    expect(media.state).toBe('closed');
    expect([rtp?.closes, rtcp?.closes]).toEqual([1, 1]);
  });

  it('falls back to the next strategy when the router refuses, and says so', async () => {
    const router = scriptedRouter(
      () => new PortMappingError('refused', 'The router at 192.168.50.1 said no (PCP).'),
    );
    const { strategy, fallback, logs, verdict } = strategyWith(router);
    const media = await strategy.openMedia();
    expect(media.strategy).toBe('stun');
    expect(fallback.opened).toEqual(['stun']);
    expect(logs).toContain(
      "warn: The router at 192.168.50.1 said no (PCP); this call's audio goes by STUN instead",
    );
    expect(verdict.failedRecently).toMatch(/said no/);
    // The next call does not wait for the router that refused.
    await strategy.openMedia();
    expect(router.requests).toHaveLength(2);
  });
});

describe('the auto policy', () => {
  it("puts a call on the router's mapping only once the router granted one", () => {
    const auto = {
      stunServers: ['stun.example:3478'],
      stunEnabled: true,
      stunDeadlineMs: 300,
      stunRtoMs: 100,
      turn: { server: 'turn.example:3478', username: 'u', password: 'p' },
      turnPolicy: 'symmetric' as const,
      natStrategy: 'auto' as const,
    };
    expect(mediaStrategyId(auto, 'symmetric')).toBe('turn');
    routerVerdict.recordGrant(ROUTER, 'symmetric');
    expect(mediaStrategyId(auto, 'symmetric')).toBe('portmap');
    expect(mediaStrategyId({ ...auto, stunEnabled: false }, 'symmetric')).toBe('turn');
    routerVerdict.recordFailure('The router at 192.168.50.1 said no');
    expect(mediaStrategyId(auto, 'cone')).toBe('stun');
  });
});
