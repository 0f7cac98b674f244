import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TransportAddress } from '../../../src-shared/domain.js';

/** What the RTP socket's STUN discovery answers next. */
const discovery = vi.hoisted(() => ({ mapped: null as TransportAddress | null }));

vi.mock('../../../src-main/net/stun-discovery.js', () => ({
  discoverMapping: vi.fn(async () => ({
    local: { address: '0.0.0.0', port: 0 },
    mapped: discovery.mapped,
    natType: 'cone',
    results: [],
    elapsedMs: 1,
  })),
}));

const { CallMedia } = await import('../../../src-main/engine/call-media.js');
const { natStrategy } = await import('../../../src-main/nat/index.js');
const { parseAudioSdp } = await import('../../../src-main/media/sdp.js');

/** The network the phone is on: a network change moves it (the engine's account does that). */
interface Network {
  localAddress: string;
  bindAddress: string;
}

function environment(network: Network) {
  return {
    settings: {
      stunServers: ['stun.example:3478'],
      stunEnabled: true,
      stunDeadlineMs: 200,
      stunRtoMs: 50,
      turn: null,
      turnPolicy: 'symmetric' as const,
      natStrategy: 'auto' as const,
    },
    localAddress: network.localAddress,
    bindAddress: network.bindAddress,
  };
}

function media(network: Network) {
  return new CallMedia({
    nat: natStrategy('stun', environment(network)),
    strategyFor: (id) => natStrategy(id, environment(network)),
    advertiseRtcp: false,
    codecs: ['PCMU'],
    telephoneEventPt: 101,
    audioSource: () => () => new Int16Array(160),
  });
}

function network(bindAddress = '0.0.0.0'): Network {
  return { localAddress: '192.168.50.2', bindAddress };
}

function moveTo(current: Network, localAddress: string, bindAddress = current.bindAddress) {
  current.localAddress = localAddress;
  current.bindAddress = bindAddress;
}

const version = (sdp: string) => Number(/^o=\S+ \S+ (\d+)/m.exec(sdp)?.[1]);

describe('CallMedia.renew after a network change', () => {
  const opened: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const call of opened.splice(0)) call.close();
  });

  it('offers the new mapping next, with a higher SDP version', async () => {
    discovery.mapped = { address: '198.51.100.1', port: 40000 };
    const where = network();
    const call = media(where);
    opened.push(call);
    const first = await call.localDescription({ hold: false });
    expect(parseAudioSdp(first)).toMatchObject({ connection: '198.51.100.1', audioPort: 40000 });

    discovery.mapped = { address: '198.51.100.2', port: 41000 };
    moveTo(where, '192.168.60.2');
    const renewed = await call.renew('192.168.60.2');
    expect(renewed).toEqual({ connection: '198.51.100.2', audioPort: 41000, source: 'stun' });
    const next = await call.localDescription({ hold: false });
    expect(parseAudioSdp(next)).toMatchObject({ connection: '198.51.100.2', audioPort: 41000 });
    expect(version(next)).toBeGreaterThan(version(first));
  });

  it('falls back to the new local address when STUN does not answer, on the same socket', async () => {
    discovery.mapped = { address: '198.51.100.1', port: 40000 };
    const where = network();
    const call = media(where);
    opened.push(call);
    await call.prepare();
    discovery.mapped = null;
    moveTo(where, '192.168.60.2');
    const renewed = await call.renew('192.168.60.2');
    expect(renewed).toMatchObject({ connection: '192.168.60.2', source: 'local' });
    const next = await call.localDescription({ hold: false });
    expect(parseAudioSdp(next)).toMatchObject({
      connection: '192.168.60.2',
      audioPort: renewed.audioPort,
    });
  });

  it('moves a socket bound to an address that went away to the new address', async () => {
    discovery.mapped = null;
    const where = network('127.0.0.1');
    const call = media(where);
    opened.push(call);
    const before = await call.prepare();
    moveTo(where, '127.0.0.2', '127.0.0.2');
    const renewed = await call.renew('127.0.0.2');
    expect(renewed).toMatchObject({ connection: '127.0.0.2', source: 'local' });
    // A new socket pair: the old one was bound to 127.0.0.1.
    expect(renewed.audioPort).not.toBe(before.audioPort);
  });
});

/** An offer from a far end that listens on 127.0.0.1:`port`. */
function offerFrom(port: number): string {
  return [
    'v=0',
    'o=far 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

describe('CallMedia.reopen on new ports, for a router that holds the old port', () => {
  const opened: Array<{ close(): void }> = [];
  const farEnds: Socket[] = [];
  afterEach(() => {
    for (const call of opened.splice(0)) call.close();
    for (const far of farEnds.splice(0)) far.close();
  });

  it('sends from a new socket pair at once, offers its mapping next, and keeps the counts', async () => {
    const far = createSocket('udp4');
    farEnds.push(far);
    const sources: number[] = [];
    far.on('message', (_packet, from) => sources.push(from.port));
    await new Promise<void>((resolve) => far.bind(0, '127.0.0.1', resolve));
    discovery.mapped = { address: '198.51.100.1', port: 40000 };
    const call = media(network('127.0.0.1'));
    opened.push(call);
    call.applyRemoteDescription(offerFrom(far.address().port));
    await call.localDescription({ hold: false });
    await vi.waitFor(() => expect(sources.length).toBeGreaterThan(3), { timeout: 2000 });
    const oldPort = sources[0];
    const sentBefore = call.stats()?.packetsSent ?? 0;

    discovery.mapped = { address: '198.51.100.1', port: 40002 };
    const moved = await call.reopen('stun', { newPorts: true });
    expect(moved).toEqual({ connection: '198.51.100.1', audioPort: 40002, source: 'stun' });
    const heardBefore = sources.length;
    // The new pair's first packet goes out with the move, before any offer names it.
    await vi.waitFor(() => expect(sources.slice(heardBefore).length).toBeGreaterThan(0), {
      timeout: 200,
    });
    const newPorts = new Set(sources.slice(heardBefore));
    expect(newPorts.has(oldPort ?? -1)).toBe(false);
    expect(newPorts.size).toBe(1);
    expect(call.stats()?.packetsSent).toBeGreaterThan(sentBefore);
    const next = await call.localDescription({ hold: false });
    expect(parseAudioSdp(next)).toMatchObject({ connection: '198.51.100.1', audioPort: 40002 });
  });

  it('stays on its sockets when the new pair learns no public address', async () => {
    discovery.mapped = { address: '198.51.100.1', port: 40000 };
    const call = media(network('127.0.0.1'));
    opened.push(call);
    await call.prepare();
    discovery.mapped = null;
    expect(await call.reopen('stun', { newPorts: true })).toBeNull();
    const next = await call.localDescription({ hold: false });
    expect(parseAudioSdp(next)).toMatchObject({ connection: '198.51.100.1', audioPort: 40000 });
  });
});
