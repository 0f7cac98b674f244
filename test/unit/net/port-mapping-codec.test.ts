import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatewayFromRouteTable } from '../../../src-main/net/port-mapping/default-gateway.js';
import { whyNotPublic } from '../../../src-main/net/port-mapping/external-address-check.js';
import {
  decodeNatPmpAddressResponse,
  decodeNatPmpError,
  decodeNatPmpMapResponse,
  encodeNatPmpAddressRequest,
  encodeNatPmpMapRequest,
} from '../../../src-main/net/port-mapping/nat-pmp-codec.js';
import {
  decodePcpMapResponse,
  encodePcpMapRequest,
  isForeignVersion,
} from '../../../src-main/net/port-mapping/pcp-codec.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('NAT-PMP codec (RFC 6886)', () => {
  it('encodes the external-address query and a UDP mapping request byte for byte', () => {
    expect(encodeNatPmpAddressRequest()).toEqual(hex('0000'));
    const request = encodeNatPmpMapRequest({
      protocol: 'udp',
      internalPort: 5060,
      suggestedExternalPort: 5062,
      lifetimeSeconds: 7200,
    });
    expect(request).toEqual(hex('00 01 0000 13c4 13c6 00001c20'));
    expect(encodeNatPmpMapRequest({ ...tcp, lifetimeSeconds: 0 })[1]).toBe(2);
  });

  it('refuses to encode ports and lifetimes out of range', () => {
    expect(() => encodeNatPmpMapRequest({ ...tcp, internalPort: 0 })).toThrow(RangeError);
    expect(() => encodeNatPmpMapRequest({ ...tcp, internalPort: 70000 })).toThrow(RangeError);
    expect(() => encodeNatPmpMapRequest({ ...tcp, lifetimeSeconds: -1 })).toThrow(RangeError);
    expect(() => encodeNatPmpMapRequest({ ...tcp, lifetimeSeconds: 1.5 })).toThrow(RangeError);
  });

  it("decodes the router's mapping and address answers", () => {
    // What miniupnpd 2.3.1 answered in the lab (epoch 7, 40000 -> 40000, 30 s).
    expect(decodeNatPmpMapResponse(hex('0081 0000 00000007 9c40 9c40 0000001e'), 'udp')).toEqual({
      ok: true,
      value: {
        protocol: 'udp',
        resultCode: 0,
        epochSeconds: 7,
        internalPort: 40000,
        externalPort: 40000,
        lifetimeSeconds: 30,
      },
    });
    expect(decodeNatPmpAddressResponse(hex('0080 0000 00000007 c6336401'))).toEqual({
      ok: true,
      value: { resultCode: 0, epochSeconds: 7, externalAddress: '198.51.100.1' },
    });
  });

  it('recognises an error answer, which carries only the header', () => {
    const refused = hex('0081 0002 00000009');
    expect(decodeNatPmpError(refused)).toEqual({ opcode: 1, resultCode: 2 });
    expect(decodeNatPmpMapResponse(refused, 'udp')).toEqual({ ok: false, reason: 'result code 2' });
    expect(decodeNatPmpError(hex('0081 0000 00000009 9c40 9c40 0000001e'))).toBeNull();
    expect(decodeNatPmpError(hex('0001 0002'))).toBeNull();
  });

  it('says what is wrong with a bad packet instead of throwing', () => {
    expect(decodeNatPmpMapResponse(hex(''), 'udp')).toMatchObject({ ok: false });
    expect(decodeNatPmpMapResponse(hex('0081 0000'), 'udp')).toMatchObject({ ok: false });
    expect(decodeNatPmpMapResponse(hex('0081 0000 00000007 9c40'), 'udp')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('too short') as unknown,
    });
    expect(decodeNatPmpMapResponse(hex('0082 0000 00000007 9c40 9c40 0000001e'), 'udp')).toEqual({
      ok: false,
      reason: 'opcode 130, not 129',
    });
    expect(decodeNatPmpAddressResponse(hex('0280 0000 00000007 c6336401'))).toEqual({
      ok: false,
      reason: 'version 2',
    });
  });
});

const tcp = {
  protocol: 'tcp',
  internalPort: 5060,
  suggestedExternalPort: 0,
  lifetimeSeconds: 60,
} as const;

const nonce = hex('0102030405060708090a0b0c');

describe('PCP MAP codec (RFC 6887)', () => {
  it('encodes a MAP request with IPv4-mapped addresses at the offsets of §7.1 and §11.1', () => {
    const request = encodePcpMapRequest({
      nonce,
      protocol: 'udp',
      clientAddress: '192.168.50.2',
      internalPort: 41000,
      lifetimeSeconds: 120,
      suggestedExternalPort: 0,
      suggestedExternalAddress: '0.0.0.0',
    });
    expect(request).toEqual(
      hex(`02 01 0000 00000078 00000000000000000000ffff c0a83202
           0102030405060708090a0b0c 11 000000 a028 0000 00000000000000000000ffff 00000000`),
    );
  });

  it('refuses a nonce that is not 12 bytes and an address that is not IPv4', () => {
    const base = {
      nonce,
      protocol: 'udp',
      clientAddress: '192.168.50.2',
      internalPort: 41000,
      lifetimeSeconds: 120,
      suggestedExternalPort: 0,
      suggestedExternalAddress: '0.0.0.0',
    } as const;
    expect(() => encodePcpMapRequest({ ...base, nonce: Buffer.alloc(8) })).toThrow(RangeError);
    expect(() => encodePcpMapRequest({ ...base, clientAddress: '::1' })).toThrow(RangeError);
    expect(() => encodePcpMapRequest({ ...base, clientAddress: '1.2.3.256' })).toThrow(RangeError);
  });

  it("decodes the router's MAP answer", () => {
    const answer = hex(`02 81 00 00 00000078 0000002a 000000000000000000000000
       0102030405060708090a0b0c 11 000000 a028 a029 00000000000000000000ffff c6336401`);
    expect(decodePcpMapResponse(answer)).toEqual({
      ok: true,
      value: {
        resultCode: 0,
        lifetimeSeconds: 120,
        epochSeconds: 42,
        nonce,
        protocol: 'udp',
        internalPort: 41000,
        externalPort: 41001,
        externalAddress: '198.51.100.1',
      },
    });
  });

  it('tells a NAT-PMP answer (version 0) from a PCP one, so the client can fall back', () => {
    const decoded = decodePcpMapResponse(hex('0081 0001 00000005'));
    expect(isForeignVersion(decoded)).toBe(true);
    expect(decoded).toEqual({ version: 0 });
  });

  it('refuses short, overlong, misaligned and non-MAP answers without throwing', () => {
    const good = hex(`02 81 00 00 00000078 0000002a 000000000000000000000000
       0102030405060708090a0b0c 11 000000 a028 a029 00000000000000000000ffff c6336401`);
    expect(decodePcpMapResponse(good.subarray(0, 1))).toMatchObject({ ok: false });
    expect(decodePcpMapResponse(good.subarray(0, 40))).toMatchObject({ ok: false });
    expect(decodePcpMapResponse(Buffer.concat([good, Buffer.alloc(2)]))).toMatchObject({
      ok: false,
    });
    expect(decodePcpMapResponse(Buffer.concat([good, Buffer.alloc(1100)]))).toMatchObject({
      ok: false,
    });
    const request = Buffer.from(good);
    request[1] = 0x01;
    expect(decodePcpMapResponse(request)).toMatchObject({ ok: false });
    const ipv6 = Buffer.from(good);
    ipv6.fill(0x20, 44, 60);
    expect(decodePcpMapResponse(ipv6)).toMatchObject({
      ok: true,
      value: { externalAddress: '2020:2020:2020:2020:2020:2020:2020:2020' },
    });
  });

  it('never throws on random datagrams', () => {
    for (let i = 0; i < 2000; i++) {
      const datagram = randomBytes(i % 80);
      if (i % 3 === 0 && datagram.length > 0) datagram[0] = 2;
      if (i % 3 === 1 && datagram.length > 0) datagram[0] = 0;
      expect(() => {
        decodePcpMapResponse(datagram);
        decodeNatPmpError(datagram);
        decodeNatPmpMapResponse(datagram, 'udp');
        decodeNatPmpAddressResponse(datagram);
      }).not.toThrow();
    }
  });
});

describe('default gateway from /proc/net/route', () => {
  const table = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'wlan0\t00000000\t0132A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
    'eth0\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
  ].join('\n');

  it('picks the default route of lowest metric and reads its little-endian gateway', () => {
    expect(gatewayFromRouteTable(table)).toBe('192.0.2.1');
  });

  it('finds none without a default route with a gateway', () => {
    const [header, , , onLink] = table.split('\n');
    expect(gatewayFromRouteTable([header, onLink].join('\n'))).toBeNull();
    // A default route that is down, or has no gateway (point-to-point), does not count.
    expect(
      gatewayFromRouteTable(`${header}\nppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000`),
    ).toBeNull();
    expect(
      gatewayFromRouteTable(`${header}\neth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000`),
    ).toBeNull();
    expect(gatewayFromRouteTable('garbage\n\n\t\t')).toBeNull();
  });
});

describe('external address check', () => {
  it.each([
    ['10.1.2.3', 'a private address'],
    ['172.31.255.1', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['100.64.0.9', expect.stringContaining('carrier-grade NAT') as unknown],
    ['127.0.0.1', 'a loopback address'],
    ['169.254.3.4', 'a link-local address'],
    ['0.0.0.0', 'an unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['1.2.3', 'not an IPv4 address'],
    ['::ffff:1.2.3.4', 'not an IPv4 address'],
  ])('rejects %s', (address, words) => {
    expect(whyNotPublic(address)).toEqual(words);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '198.51.100.1', '203.0.113.5'])(
    'accepts %s',
    (address) => {
      expect(whyNotPublic(address)).toBeNull();
    },
  );
});
