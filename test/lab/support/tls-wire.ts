/**
 * SIP over TLS in the lab: the run's CA and the certificates Kamailio presents (made once per
 * test file, removed at exit), and the provider's side of the wire read for what an
 * eavesdropper would see of the client's signalling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa, type IssuedCertificate, type TestCa } from '../../support/test-ca.js';
import { readTcpSegments, startCapture, type TcpSegment, type UdpPacket } from './capture.js';
import { PUBLIC, type Lab } from './netns-lab.js';

/** The run's CA, a stranger CA, and the certificates the scenarios present. */
export interface Certificates {
  ca: TestCa;
  good: IssuedCertificate;
  expired: IssuedCertificate;
  wrongName: IssuedCertificate;
  unknownIssuer: IssuedCertificate;
}

let certificates: Certificates | null = null;
export function labCertificates(): Certificates {
  if (certificates) return certificates;
  const dir = mkdtempSync(join(tmpdir(), 'natter-lab-ca-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const ca = makeTestCa(dir, 'lab-ca');
  const stranger = makeTestCa(dir, 'stranger-ca');
  certificates = {
    ca,
    good: ca.issue('good', [PUBLIC.provider, 'sip.lab.test']),
    expired: ca.issue('expired', [PUBLIC.provider], { expired: true }),
    wrongName: ca.issue('wrong-name', ['198.51.100.99', 'other.lab.test']),
    unknownIssuer: stranger.issue('unknown-issuer', [PUBLIC.provider]),
  };
  return certificates;
}

export interface ProviderWire {
  udp: UdpPacket[];
  tcp: TcpSegment[];
}

/** The wire on the provider's side, UDP and TCP. */
export async function providerWire(lab: Lab): Promise<{ stop(): Promise<ProviderWire> }> {
  const capture = await startCapture(lab, lab.internet, lab.internetInterface, 'udp or tcp');
  return {
    stop: async () => {
      const udp = await capture.stop();
      return { udp, tcp: readTcpSegments(capture.file) };
    },
  };
}

/** Segments between the client's router and the provider on `port`. */
export function clientFlow(tcp: TcpSegment[], port: number): TcpSegment[] {
  return tcp.filter(
    (s) =>
      (s.src === PUBLIC.router && s.dst === PUBLIC.provider && s.dport === port) ||
      (s.src === PUBLIC.provider && s.dst === PUBLIC.router && s.sport === port),
  );
}

/** Everything the client sent to the provider over TCP on `port`, in order. */
export function sentText(tcp: TcpSegment[], port: number): string {
  return clientFlow(tcp, port)
    .filter((s) => s.src === PUBLIC.router)
    .map((s) => s.payload.toString('latin1'))
    .join('');
}

/** SIP readable on the wire to or from the client: any TCP payload, UDP on 5060 or 5061. */
export function clearTextSip(wire: ProviderWire): string[] {
  const fromClient = (p: { src: string; dst: string }) =>
    p.src === PUBLIC.router || p.dst === PUBLIC.router;
  return [
    ...wire.tcp.filter(fromClient).map((s) => s.payload.toString('latin1')),
    ...wire.udp
      .filter(fromClient)
      .filter((p) => p.sport === 5060 || p.dport === 5060 || p.dport === 5061)
      .map((p) => p.payload.toString('latin1')),
  ].filter((text) => /SIP\/2\.0/.test(text));
}
