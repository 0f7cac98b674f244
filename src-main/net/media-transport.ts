import type { UdpEndpoint } from './udp-endpoint.js';

/**
 * What media needs of a socket: receive datagrams by kind and send one to an address. A bound
 * {@link UdpEndpoint} is one; a TURN relay over such an endpoint is another (relay-transport.ts).
 * `post`, where there is one, sends without waiting for the send to finish: the packet clock's
 * way, since a promise per packet costs more than the packet.
 */
export type MediaTransport = Pick<UdpEndpoint, 'on' | 'send'> & Partial<Pick<UdpEndpoint, 'post'>>;
