import { describe, expect, it } from 'vitest';
import {
  detectSipAlg,
  redactCredentials,
  type TracedMessage,
} from '../../../src-main/engine/doctor/sip-alg.js';

const USER = '123456_home';
const REGISTRAR = { address: '198.51.100.10', port: 5060 };
const LOCAL = { address: '192.168.50.2', port: 40312 };
const MAPPED = { address: '198.51.100.1', port: 40312 };
const OUR_CONTACT = `<sip:${USER}@198.51.100.1:40312;transport=udp>`;
const OUR_VIA = (branch: string) => `SIP/2.0/UDP 198.51.100.1;rport;branch=${branch}`;
const DIGEST_RESPONSE = '6b8f0d07e8a3c5f2b1d9e4a7c3f2d1e0';
const CALL_ID = 'vqc21jmq2t8uhkd8lsao';

function register(options: {
  cseq: number;
  via: string;
  contact: string;
  authorized?: boolean;
  expires?: number;
}): string {
  return [
    `REGISTER sip:${REGISTRAR.address}:5060 SIP/2.0`,
    `Via: ${options.via}`,
    `To: <sip:${USER}@${REGISTRAR.address}>`,
    `From: <sip:${USER}@${REGISTRAR.address}>;tag=ofo8f2q0sd`,
    `CSeq: ${options.cseq} REGISTER`,
    `Call-ID: ${CALL_ID}`,
    'Max-Forwards: 70',
    ...(options.authorized
      ? [
          `Authorization: Digest algorithm=MD5, username="${USER}", realm="lab.voip.test", ` +
            `nonce="n1x1", uri="sip:${REGISTRAR.address}:5060", response="${DIGEST_RESPONSE}"`,
        ]
      : []),
    `Contact: ${options.contact};expires=${options.expires ?? 300}`,
    `Expires: ${options.expires ?? 300}`,
    'Allow: ACK,CANCEL,INVITE,MESSAGE,BYE,OPTIONS,INFO,NOTIFY,REFER',
    'Supported: outbound, path, gruu',
    'User-Agent: Natter/0.1',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function response(options: {
  status: number;
  cseq: number;
  via: string;
  method?: string;
  contacts?: string[];
  challenge?: boolean;
}): string {
  const phrase = options.status === 200 ? 'OK' : 'Unauthorized';
  return [
    `SIP/2.0 ${options.status} ${phrase}`,
    `Via: ${options.via}`,
    `From: <sip:${USER}@${REGISTRAR.address}>;tag=ofo8f2q0sd`,
    `To: <sip:${USER}@${REGISTRAR.address}>;tag=as5f2c1d9e`,
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${options.cseq} ${options.method ?? 'REGISTER'}`,
    ...(options.challenge
      ? ['WWW-Authenticate: Digest realm="lab.voip.test", nonce="n1x1", algorithm=MD5']
      : []),
    ...(options.contacts ?? []).map((contact) => `Contact: ${contact}`),
    'Server: Asterisk PBX',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const out = (message: string): TracedMessage => ({ direction: 'out', message, peer: REGISTRAR });
const inn = (message: string): TracedMessage => ({ direction: 'in', message, peer: REGISTRAR });

/** A challenged registration as our transport traces it: REGISTER, 401, REGISTER, 200. */
function registration(options: {
  sentContact?: string;
  sentVia?: (branch: string) => string;
  /** What the registrar's responses carry back as the top Via, given the Via that arrived. */
  echoVia?: (arrived: string) => string;
  echoedContacts?: string[];
}): TracedMessage[] {
  const sentContact = options.sentContact ?? OUR_CONTACT;
  const sentVia = options.sentVia ?? OUR_VIA;
  const echoVia = options.echoVia ?? ((via: string) => via);
  const first = sentVia('z9hG4bK4915377');
  const second = sentVia('z9hG4bK8051632');
  return [
    out(register({ cseq: 1, via: first, contact: sentContact })),
    inn(response({ status: 401, cseq: 1, via: echoVia(first), challenge: true })),
    out(register({ cseq: 2, via: second, contact: sentContact, authorized: true })),
    inn(
      response({
        status: 200,
        cseq: 2,
        via: echoVia(second),
        contacts: options.echoedContacts ?? [`${sentContact};expires=300`],
      }),
    ),
  ];
}

const context = { local: LOCAL, stunMapped: MAPPED };

describe('detectSipAlg', () => {
  it('a clean registration echoed verbatim (sipp style, no received/rport) is not an ALG', () => {
    const finding = detectSipAlg(registration({}), context);
    expect(finding.detected).toBe(false);
    expect(finding.reasons).toEqual([]);
    expect(finding.evidence.registrations).toEqual([
      {
        request: '2 REGISTER',
        registrar: '198.51.100.10:5060',
        status: 200,
        sentContact: [`${OUR_CONTACT};expires=300`],
        echoedContact: [`${OUR_CONTACT};expires=300`],
        sentVia: OUR_VIA('z9hG4bK8051632'),
        responseVia: OUR_VIA('z9hG4bK8051632'),
      },
    ]);
    expect(finding.evidence.registrarSees).toBeNull();
  });

  it('a clean registration with received/rport filled in (RFC 3581) is not an ALG', () => {
    const finding = detectSipAlg(
      registration({
        echoVia: (via) => via.replace(';rport;', ';rport=40312;') + `;received=${MAPPED.address}`,
      }),
      context,
    );
    expect(finding.detected, finding.reasons.join('\n')).toBe(false);
    expect(finding.evidence.registrarSees).toBe('198.51.100.1:40312');
  });

  it('a Contact moved to port 5060 on the way out is detected, with both values as evidence', () => {
    const rewritten = `<sip:${USER}@198.51.100.1:5060;transport=udp>`;
    const finding = detectSipAlg(
      registration({ echoedContacts: [`${rewritten};expires=300`] }),
      context,
    );
    expect(finding.detected).toBe(true);
    expect(finding.reasons).toHaveLength(1);
    expect(finding.reasons[0]).toMatch(/^Contact rewritten/);
    expect(finding.reasons[0]).toContain(`${OUR_CONTACT};expires=300`);
    expect(finding.reasons[0]).toContain(`${rewritten};expires=300`);
    expect(finding.reasons[0]).toContain('port 40312 → 5060, the default SIP port');
    expect(finding.evidence.registrations).toMatchObject([
      { sentContact: [`${OUR_CONTACT};expires=300`], echoedContact: [`${rewritten};expires=300`] },
    ]);
    // The exchange is there to paste into a ticket, without the digest response.
    const exchange = finding.evidence.exchange as { sent: string; received: string };
    expect(exchange.sent).toMatch(/^REGISTER sip:/);
    expect(exchange.sent).toContain('Authorization: <redacted>');
    expect(exchange.received).toContain(rewritten);
    expect(JSON.stringify(finding)).not.toContain(DIGEST_RESPONSE);
    expect(JSON.stringify(finding)).not.toContain('nonce="n1x1", uri=');
  });

  it('a private Contact replaced by the WAN address (ALG with the wrong port) is detected', () => {
    const privateContact = `<sip:${USER}@192.168.50.2:40312;transport=udp>`;
    const finding = detectSipAlg(
      registration({
        sentContact: privateContact,
        sentVia: (branch) => `SIP/2.0/UDP 192.168.50.2;rport;branch=${branch}`,
        // The registrar saw us at the real mapping, 198.51.100.1:40312; the ALG wrote 1024.
        echoVia: (via) => `${via.replace(';rport;', ';rport=40312;')};received=198.51.100.1`,
        echoedContacts: [`<sip:${USER}@198.51.100.1:1024;transport=udp>;expires=300`],
      }),
      { local: LOCAL, stunMapped: null },
    );
    expect(finding.detected).toBe(true);
    expect(finding.reasons[0]).toContain('host 192.168.50.2 → 198.51.100.1, port 40312 → 1024');
  });

  it('a registrar that stores the address it saw us at (its own NAT fix) is not an ALG', () => {
    const privateContact = `<sip:${USER}@192.168.50.2:40312;transport=udp>`;
    const finding = detectSipAlg(
      registration({
        sentContact: privateContact,
        sentVia: (branch) => `SIP/2.0/UDP 192.168.50.2;rport;branch=${branch}`,
        echoVia: (via) => `${via.replace(';rport;', ';rport=40312;')};received=198.51.100.1`,
        echoedContacts: [`<sip:${USER}@198.51.100.1:40312;transport=udp>;expires=300`],
      }),
      { local: LOCAL, stunMapped: null },
    );
    expect(finding.detected, finding.reasons.join('\n')).toBe(false);
    expect(String(finding.evidence.notes)).toMatch(/address it saw us at/);
  });

  it('other devices’ bindings listed next to ours are not a rewrite', () => {
    const finding = detectSipAlg(
      registration({
        echoedContacts: [
          `<sip:${USER}@203.0.113.77:5062;transport=udp>;expires=120`,
          `${OUR_CONTACT};expires=300`,
        ],
      }),
      context,
    );
    expect(finding.detected).toBe(false);
  });

  it('a rewritten Via sent-by is detected', () => {
    const finding = detectSipAlg(
      registration({
        echoVia: (via) =>
          via.replace('SIP/2.0/UDP 198.51.100.1;', 'SIP/2.0/UDP 198.51.100.1:5060;'),
      }),
      context,
    );
    expect(finding.detected).toBe(true);
    expect(finding.reasons).toHaveLength(1);
    expect(finding.reasons[0]).toMatch(/^Via rewritten/);
    expect(finding.reasons[0]).toContain(`"Via: ${OUR_VIA('z9hG4bK4915377')}"`);
    expect(finding.reasons[0]).toContain('sent-by 198.51.100.1 to 198.51.100.1:5060');
    expect(finding.evidence.registrations).toMatchObject([
      { responseVia: 'SIP/2.0/UDP 198.51.100.1:5060;rport;branch=z9hG4bK8051632' },
    ]);
  });

  it('a stripped rport is detected', () => {
    const finding = detectSipAlg(
      registration({ echoVia: (via) => via.replace(';rport', '') }),
      context,
    );
    expect(finding.detected).toBe(true);
    expect(finding.reasons).toEqual([expect.stringMatching(/^rport stripped/)]);
  });

  it('the registrar seeing our local port while STUN from the same socket saw another is detected', () => {
    const mapped = { address: '198.51.100.1', port: 61002 };
    const contact = `<sip:${USER}@198.51.100.1:61002;transport=udp>`;
    const trace = registration({
      sentContact: contact,
      echoVia: (via) => via.replace(';rport;', `;rport=${LOCAL.port};`),
    });
    const finding = detectSipAlg(trace, { local: LOCAL, stunMapped: mapped });
    expect(finding.detected).toBe(true);
    expect(finding.reasons).toEqual([expect.stringMatching(/^SIP mapping differs from STUN/)]);
    expect(finding.evidence.registrarSees).toBe('198.51.100.1:40312');
  });

  it('a STUN mapping learned on another socket is not held against the SIP socket', () => {
    // The Contact is private (no STUN on this socket); the mapping came from another socket.
    const privateContact = `<sip:${USER}@192.168.50.2:40312;transport=udp>`;
    const trace = registration({
      sentContact: privateContact,
      sentVia: (branch) => `SIP/2.0/UDP 192.168.50.2;rport;branch=${branch}`,
      echoVia: (via) => `${via.replace(';rport;', ';rport=40312;')};received=198.51.100.1`,
    });
    const finding = detectSipAlg(trace, {
      local: LOCAL,
      stunMapped: { address: '198.51.100.1', port: 52000 },
    });
    expect(finding.detected, finding.reasons.join('\n')).toBe(false);
    expect(String(finding.evidence.notes)).toMatch(/another public port/);
  });

  it('an incoming INVITE addressed to our private address was rewritten on the way in', () => {
    const invite = [
      `INVITE sip:${USER}@192.168.50.2:40312;transport=udp SIP/2.0`,
      'Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-prov-1',
      'From: <sip:4443@198.51.100.10>;tag=p1',
      `To: <sip:${USER}@198.51.100.10>`,
      'Call-ID: incoming-1@198.51.100.10',
      'CSeq: 1 INVITE',
      'Contact: <sip:4443@198.51.100.10:5060>',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const finding = detectSipAlg([...registration({}), inn(invite)], context);
    expect(finding.detected).toBe(true);
    expect(finding.reasons).toEqual([expect.stringMatching(/^Request-URI rewritten/)]);
  });

  it('an un-REGISTER answered without Contact, and a 200 that lists none, are not detections', () => {
    const trace = [
      ...registration({ echoedContacts: [] }),
      out(
        register({
          cseq: 3,
          via: OUR_VIA('z9hG4bK999'),
          contact: OUR_CONTACT,
          authorized: true,
          expires: 0,
        }),
      ),
      inn(response({ status: 200, cseq: 3, via: OUR_VIA('z9hG4bK999') })),
    ];
    const finding = detectSipAlg(trace, context);
    expect(finding.detected).toBe(false);
    expect(finding.evidence.registrations).toHaveLength(2);
  });

  it('lists the SDP we sent, since the provider’s copy cannot be seen from here', () => {
    const sdp = [
      'v=0',
      'o=- 4711 1 IN IP4 198.51.100.1',
      's=-',
      'c=IN IP4 198.51.100.1',
      't=0 0',
      'm=audio 40000 RTP/AVP 0 8 101',
      'a=rtpmap:101 telephone-event/8000',
      '',
    ].join('\r\n');
    const invite = [
      `INVITE sip:4443@${REGISTRAR.address} SIP/2.0`,
      `Via: ${OUR_VIA('z9hG4bKinv1')}`,
      `From: <sip:${USER}@${REGISTRAR.address}>;tag=c1`,
      `To: <sip:4443@${REGISTRAR.address}>`,
      'Call-ID: call-1',
      'CSeq: 1 INVITE',
      `Contact: ${OUR_CONTACT}`,
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
    const finding = detectSipAlg([...registration({}), out(invite)], context);
    expect(finding.detected).toBe(false);
    expect(finding.evidence.sdpSent).toEqual([
      { message: 'INVITE', connection: '198.51.100.1', audioPort: 40000 },
    ]);
  });

  it('garbage never throws and is never a detection', () => {
    const garbage: unknown[] = [
      out(''),
      inn('\r\n\r\n'),
      inn('not sip at all'),
      inn('SIP/2.0 200 OK'),
      inn('SIP/2.0 200 OK\r\nVia: ???\r\nCSeq: x\r\n\r\n'),
      inn(
        'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKnone\r\nCall-ID: x\r\n' +
          'CSeq: 7 REGISTER\r\nContact: <sip:a@9.9.9.9:5060>\r\nContent-Length: 0\r\n\r\n',
      ),
      out('REGISTER sip:x SIP/2.0\r\nContact: *\r\n\r\n'),
      inn(Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]).toString('latin1')),
      inn(`INVITE sip:${'a'.repeat(20_000)} SIP/2.0\r\nVia: ,,,\r\n\r\n`),
      { direction: 'sideways', message: 'REGISTER', peer: REGISTRAR },
      { direction: 'in', message: 42, peer: null },
      null,
      undefined,
      {},
    ];
    let finding: ReturnType<typeof detectSipAlg> | undefined;
    expect(() => {
      finding = detectSipAlg(garbage as TracedMessage[], context);
    }).not.toThrow();
    expect(finding?.detected).toBe(false);
    expect(finding?.reasons).toEqual([]);
    expect(() =>
      detectSipAlg(null as unknown as TracedMessage[], {
        local: null as unknown as typeof LOCAL,
        stunMapped: null,
      }),
    ).not.toThrow();
    expect(detectSipAlg([], context).detected).toBe(false);
  });
});

describe('redactCredentials', () => {
  it('removes the whole Authorization and Proxy-Authorization values, folded lines too', () => {
    const text = [
      'REGISTER sip:x SIP/2.0',
      `Authorization: Digest username="${USER}", response="${DIGEST_RESPONSE}"`,
      'proxy-authorization: Digest username="u",',
      ` response="${DIGEST_RESPONSE}"`,
      'Contact: <sip:a@b>',
      '',
    ].join('\r\n');
    const redacted = redactCredentials(text);
    expect(redacted).not.toContain(DIGEST_RESPONSE);
    expect(redacted).toContain('Authorization: <redacted>');
    expect(redacted).toContain('proxy-authorization: <redacted>');
    expect(redacted).toContain('Contact: <sip:a@b>');
  });
});
