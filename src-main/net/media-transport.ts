import type { UdpEndpoint } from './udp-endpoint.js';

/**
 * What media needs of a socket: receive datagrams by kind and send one to an address. A bound
 * {@link UdpEndpoint} is one; a TURN relay over such an endpoint is another (relay-transport.ts).
 */
export type MediaTransport = Pick<UdpEndpoint, 'on' | 'send'>;
