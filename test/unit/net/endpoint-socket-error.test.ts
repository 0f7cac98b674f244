/**
 * A socket error on the SIP or RTP socket (a failed receive) nobody subscribed to: dgram emits
 * it as an 'error' event, which with no listener would throw out of the socket and end the
 * process. The endpoint counts it and stays open.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';

afterEach(() => vi.restoreAllMocks());

describe('a UDP endpoint whose socket reports an error', () => {
  it('counts it, keeps the socket open and still delivers datagrams', async () => {
    const created: dgram.Socket[] = [];
    const createSocket = dgram.createSocket.bind(dgram);
    vi.spyOn(dgram, 'createSocket').mockImplementation(((
      ...args: Parameters<typeof createSocket>
    ) => {
      const socket = createSocket(...args);
      created.push(socket);
      return socket;
    }) as typeof dgram.createSocket);
    const endpoint = await UdpEndpoint.bind({ address: '127.0.0.1', role: 'media' });
    const socket = created[0]!;

    expect(() => socket.emit('error', new Error('recvmsg ECONNREFUSED'))).not.toThrow();
    expect(endpoint.socketErrors).toBe(1);
    expect(endpoint.isClosed).toBe(false);

    // An owner that listens hears the next one too.
    const heard: string[] = [];
    endpoint.onError((error) => heard.push(error.message));
    socket.emit('error', new Error('recvmsg EHOSTUNREACH'));
    expect(heard).toEqual(['recvmsg EHOSTUNREACH']);
    expect(endpoint.socketErrors).toBe(2);

    const received = new Promise<Buffer>((resolve) =>
      endpoint.on('rtp', (datagram) => resolve(datagram)),
    );
    const sender = createSocket('udp4');
    const rtp = Buffer.alloc(172);
    rtp[0] = 0x80;
    sender.send(rtp, endpoint.bound.port, '127.0.0.1');
    expect((await received).length).toBe(172);
    sender.close();
    await endpoint.close();
  });
});
