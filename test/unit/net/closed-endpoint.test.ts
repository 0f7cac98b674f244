/**
 * A socket closed while a STUN check still runs on it (quitting, a network change): the check
 * ends with its answer, not an exception, and the endpoint still says where it was bound.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverMapping } from '../../../src-main/net/stun-discovery.js';
import { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';

const silent: dgram.Socket[] = [];

afterEach(() => {
  for (const socket of silent.splice(0)) socket.close();
});

/** A STUN server that takes every request and answers none. */
async function silentServer(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  silent.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket.address().port;
}

describe('a UDP endpoint closed under a STUN check', () => {
  it('still names its bound address after it closed', async () => {
    const endpoint = await UdpEndpoint.bind({ address: '127.0.0.1' });
    const { port } = endpoint.bound;
    expect(port).toBeGreaterThan(0);
    await endpoint.close();
    expect(endpoint.isClosed).toBe(true);
    expect(endpoint.bound).toEqual({ address: '127.0.0.1', port });
  });

  it('a check in flight when the socket closes ends with no mapping instead of throwing', async () => {
    const endpoint = await UdpEndpoint.bind({ address: '127.0.0.1' });
    const server = await silentServer();
    const checking = discoverMapping(endpoint, [`127.0.0.1:${server}`], { deadlineMs: 400 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await endpoint.close();
    const result = await checking;
    expect(result.mapped).toBeNull();
    expect(result.local.port).toBe(endpoint.bound.port);
  });
});
