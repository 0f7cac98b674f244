import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TransportAddress } from '../../../src-shared/domain.js';

/** What the next STUN discovery answers, and the sockets it was asked from. */
const discovery = vi.hoisted(() => ({
  mapped: null as TransportAddress | null,
  askedFrom: [] as unknown[],
}));

vi.mock('../../../src-main/net/stun-discovery.js', () => ({
  discoverMapping: vi.fn(async (endpoint: unknown) => {
    discovery.askedFrom.push(endpoint);
    return {
      local: { address: '0.0.0.0', port: 0 },
      mapped: discovery.mapped,
      natType: 'cone',
      results: [],
      elapsedMs: 1,
    };
  }),
}));

const { CallMedia } = await import('../../../src-main/engine/call-media.js');
const { natStrategy } = await import('../../../src-main/nat/index.js');
const { parseAudioSdp } = await import('../../../src-main/media/sdp.js');

const environment = {
  settings: {
    stunServers: ['stun.example:3478'],
    stunEnabled: true,
    stunDeadlineMs: 200,
    stunRtoMs: 50,
    turn: null,
    turnPolicy: 'symmetric' as const,
    natStrategy: 'auto' as const,
  },
  localAddress: '192.168.50.2',
  bindAddress: '127.0.0.1',
};

function media() {
  return new CallMedia({
    nat: natStrategy('stun', environment),
    strategyFor: (id) => natStrategy(id, environment),
    advertiseRtcp: false,
    codecs: ['PCMU'],
    telephoneEventPt: 101,
    audioSource: () => () => new Int16Array(160),
  });
}

describe('CallMedia.reopen for a rescue, through the NAT seam', () => {
  const opened: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const call of opened.splice(0)) call.close();
    discovery.askedFrom.length = 0;
  });

  it('stun: the refreshed mapping of the same sockets is what the next offer carries', async () => {
    discovery.mapped = { address: '198.51.100.1', port: 40000 };
    const call = media();
    opened.push(call);
    await call.prepare();
    const sockets = [...discovery.askedFrom];

    discovery.mapped = { address: '198.51.100.1', port: 40002 };
    const reopened = await call.reopen('stun');
    expect(reopened).toEqual({ connection: '198.51.100.1', audioPort: 40002, source: 'stun' });
    // Asked from the call's own RTP and RTCP sockets: the router's mapping of those is rescued.
    expect(discovery.askedFrom.slice(sockets.length)).toEqual(sockets);
    const offer = parseAudioSdp(await call.localDescription({ hold: false }));
    expect(offer).toMatchObject({ connection: '198.51.100.1', audioPort: 40002 });
  });

  it('stun without an answer cannot help: null, and the offer keeps its address', async () => {
    discovery.mapped = { address: '198.51.100.1', port: 40000 };
    const call = media();
    opened.push(call);
    await call.prepare();
    discovery.mapped = null;
    expect(await call.reopen('stun')).toBeNull();
    const offer = parseAudioSdp(await call.localDescription({ hold: false }));
    expect(offer).toMatchObject({ connection: '198.51.100.1', audioPort: 40000 });
  });

  it('turn without a relay configured is no rescue', async () => {
    discovery.mapped = { address: '198.51.100.1', port: 40000 };
    const call = media();
    opened.push(call);
    await call.prepare();
    expect(await call.reopen('turn')).toBeNull();
  });
});
