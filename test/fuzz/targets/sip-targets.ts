/**
 * SIP as it arrives: datagrams on the SIP socket go through our UDP transport (demux, the
 * message view, the stranger filter) into a started sip.js user agent, as in the engine; and the
 * WWW-/Proxy-Authenticate challenge of a 401/407 through sip.js's grammar and digest code, as its
 * user agent client reads it. Seeds follow the RFC 4475 torture cases (folding, compact headers,
 * escaped URIs, odd whitespace, lying Content-Length, huge numbers, missing mandatory headers).
 */
import fc from 'fast-check';
import { Core, UserAgent, type Invitation } from 'sip.js';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { classifyPacket, type PacketKind } from '../../../src-main/net/packet-kind.js';
import type { DatagramHandler, UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';
import { viewSipMessage } from '../../../src-main/sip/sip-message-view.js';
import { UdpTransport } from '../../../src-main/sip/udp-transport.js';
import { check, mustNotThrow, textCodec, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';

export const SERVER: TransportAddress = { address: '198.51.100.10', port: 5060 };
/** Every request reaches sip.js: the rate limit of the screen would answer most of a run 503. */
export const FUZZ_REQUEST_RATE = { otherRequestsPerSecond: Number.MAX_SAFE_INTEGER };
const STRANGER: TransportAddress = { address: '203.0.113.99', port: 5060 };
export const USER = '123456_home';

const METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'NOTIFY',
  'MESSAGE',
  'INFO',
  'UPDATE',
  'REFER',
  'PRACK',
  'SUBSCRIBE',
  'REGISTER',
  'NEWMETHOD',
  'invite',
  "!interesting-Method0123456789_*+`.%indeed'~",
];

const OFFER = [
  'v=0',
  'o=- 1 1 IN IP4 198.51.100.7',
  's=-',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  '',
].join('\r\n');

const challengeValue = fc
  .record({
    scheme: fc.constantFrom('Digest', 'digest', 'Basic', 'NTLM', ''),
    realm: fc.constantFrom('"voip.ms"', '"a\\"b"', '""', 'unquoted', '"'),
    nonce: fc.oneof(
      fc.constantFrom('"5f0a1b2c"', '""', '"' + 'n'.repeat(2000) + '"'),
      fc.string({ maxLength: 20 }).map((value) => JSON.stringify(value)),
    ),
    algorithm: fc.option(fc.constantFrom('MD5', 'md5', 'SHA-256', 'MD5-sess', 'AKAv1-MD5', '')),
    qop: fc.option(fc.constantFrom('"auth"', '"auth-int"', '"auth,auth-int"', '"bogus"', 'auth')),
    opaque: fc.option(fc.constantFrom('"abc"', '""', 'x')),
    stale: fc.option(fc.constantFrom('true', 'TRUE', 'false', 'maybe')),
    extra: fc.option(fc.constantFrom('domain="sip:a sip:b"', 'foo=bar', ',', '=,=')),
  })
  .map((challenge) =>
    [
      `${challenge.scheme} realm=${challenge.realm}`,
      `nonce=${challenge.nonce}`,
      ...(challenge.algorithm === null ? [] : [`algorithm=${challenge.algorithm}`]),
      ...(challenge.qop === null ? [] : [`qop=${challenge.qop}`]),
      ...(challenge.opaque === null ? [] : [`opaque=${challenge.opaque}`]),
      ...(challenge.stale === null ? [] : [`stale=${challenge.stale}`]),
      ...(challenge.extra === null ? [] : [challenge.extra]),
    ].join(', '),
  );

const viaHeader = fc
  .record({
    name: fc.constantFrom('Via', 'v', 'VIA', 'Via '),
    transport: fc.constantFrom('SIP/2.0/UDP', 'SIP/2.0/TCP', 'SIP/3.0/UDP', 'SIP / 2.0 / UDP'),
    host: fc.constantFrom(
      '198.51.100.10',
      '198.51.100.10:5060',
      'proxy.voip.ms',
      '[2001:db8::10]:5070',
      '256.1.1.1',
      '',
    ),
    rport: fc.constantFrom('', ';rport', ';rport=5062', ';rport=99999', ';rport=x'),
    received: fc.constantFrom('', ';received=203.0.113.7', ';received=nothing'),
    branch: fc.oneof(
      fc.constantFrom(';branch=z9hG4bK776asdhds', ';branch=z9hG4bK', '', ';branch=', ';branch=1'),
      fc.string({ maxLength: 12 }).map((value) => `;branch=z9hG4bK${value}`),
    ),
  })
  .map(
    (via) => `${via.name}: ${via.transport} ${via.host}${via.rport}${via.received}${via.branch}`,
  );

const commonHeaders = fc.record({
  vias: fc.array(viaHeader, { minLength: 1, maxLength: 3 }),
  from: fc.constantFrom(
    `From: <sip:4443@198.51.100.10>;tag=9fxced76sl`,
    'f: "J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=98asjd8',
    'From: sip:caller@example.net',
    'From: <sip:%61lice@example.com;transport=udp>;tag=1',
  ),
  to: fc.constantFrom(
    `To: <sip:${USER}@198.51.100.10>`,
    `t: sip:${USER}@198.51.100.10;tag=abc`,
    'To: "Watson" <sip:watson@example.org>',
  ),
  callId: fc.oneof(
    fc.constantFrom('Call-ID: 3848276298220188511@atlanta.example.com', 'i: 0ha0isndaksdj', ''),
    fc.string({ maxLength: 16 }).map((value) => `Call-ID: ${value}`),
  ),
  cseq: fc.oneof(
    fc.constantFrom('1', '4294967295', '4294967296', '-1', '0', '99999999999999999999'),
    fc.nat().map(String),
  ),
  maxForwards: fc.constantFrom('Max-Forwards: 70', 'Max-Forwards: 0', 'Max-Forwards: 300', ''),
  contact: fc.constantFrom(
    'Contact: <sip:4443@198.51.100.10:5060>',
    'm: <sip:user@host;lr>;expires=99999999999',
    'Contact: *',
    '',
  ),
  expires: fc.constantFrom('', 'Expires: 3600', 'Expires: 99999999999999', 'Expires: -5'),
  body: fc.constantFrom('', OFFER, 'v=0\r\n', 'garbage body'),
  contentLength: fc.constantFrom('auto', 'missing', '0', '9999', '-1', 'x'),
});

function assemble(startLine: string, headers: HeaderSet, method: string, extra: string[]): string {
  const length =
    headers.contentLength === 'auto'
      ? `Content-Length: ${Buffer.byteLength(headers.body)}`
      : headers.contentLength === 'missing'
        ? ''
        : `Content-Length: ${headers.contentLength}`;
  return [
    startLine,
    ...headers.vias,
    headers.maxForwards,
    headers.from,
    headers.to,
    headers.callId,
    `CSeq: ${headers.cseq} ${method}`,
    headers.contact,
    headers.expires,
    ...(headers.body.startsWith('v=') ? ['Content-Type: application/sdp'] : []),
    ...extra,
    length,
  ]
    .filter((line) => line !== '')
    .concat(['', headers.body])
    .join('\r\n');
}

type HeaderSet = typeof commonHeaders extends fc.Arbitrary<infer T> ? T : never;

export const sipRequest = fc
  .record({
    method: fc.constantFrom(...METHODS),
    uri: fc.constantFrom(
      `sip:${USER}@203.0.113.7:5060`,
      'sip:vivekg@chair-dnrc.example.com;unknownparam',
      'sip:%61lice@example.com',
      'sips:user@example.com',
      'tel:+1-800-555-0100',
      'sip:user@[2001:db8::10]',
      '<sip:user@example.com>',
      'sip:',
      '*',
    ),
    version: fc.constantFrom('SIP/2.0', 'SIP/2.0', 'SIP/7.0', 'sip/2.0', 'SIP/2.0 '),
    headers: commonHeaders,
  })
  .map(({ method, uri, version, headers }) =>
    assemble(`${method} ${uri} ${version}`, headers, method === 'invite' ? 'INVITE' : method, []),
  );

export const sipResponse = fc
  .record({
    status: fc.constantFrom('100', '180', '200', '401', '407', '486', '503', '699', '1000', 'x'),
    reason: fc.constantFrom('OK', 'Unauthorized', '', 'Reason with  spaces and ünïcode'),
    method: fc.constantFrom('REGISTER', 'INVITE', 'OPTIONS', 'BYE'),
    challenge: fc.option(
      fc.tuple(fc.constantFrom('WWW-Authenticate', 'Proxy-Authenticate'), challengeValue),
    ),
    headers: commonHeaders,
  })
  .map(({ status, reason, method, challenge, headers }) =>
    assemble(
      `SIP/2.0 ${status} ${reason}`,
      headers,
      method,
      challenge ? [`${challenge[0]}: ${challenge[1]}`] : [],
    ),
  );

/**
 * The SIP socket as sip.js's user agent sees it through our transport: what it sends is counted,
 * and the last few kept (an answer names the dialog's tag).
 */
export class SipSocket implements Pick<UdpEndpoint, 'on' | 'onClose' | 'send' | 'isClosed'> {
  isClosed = false;
  sent = 0;
  readonly lastSent: string[] = [];
  private readonly handlers = new Map<PacketKind, Set<DatagramHandler>>();

  on(kind: PacketKind, handler: DatagramHandler): () => void {
    const set = this.handlers.get(kind) ?? new Set<DatagramHandler>();
    this.handlers.set(kind, set);
    set.add(handler);
    return () => set.delete(handler);
  }

  onClose(): () => void {
    return () => undefined;
  }

  send(datagram: Uint8Array | string): Promise<void> {
    this.sent++;
    this.lastSent.push(typeof datagram === 'string' ? datagram : Buffer.from(datagram).toString());
    // A long run must not keep every answer.
    if (this.lastSent.length > 64) this.lastSent.splice(0, this.lastSent.length - 64);
    return Promise.resolve();
  }

  deliver(datagram: Buffer, from: TransportAddress): void {
    const kind = classifyPacket(datagram, 'sip');
    for (const handler of [...(this.handlers.get(kind) ?? [])]) {
      mustNotThrow('the SIP socket handler (UdpTransport → sip.js)', () => handler(datagram, from));
    }
  }
}

/**
 * Stops a user agent within 300 ms, as the engine does (SipAccount.stop): sip.js's stop waits on
 * every session, and one an input left mid-transaction (a 200 OK awaiting its ACK) never ends.
 */
export async function stopWithin300Ms(userAgent: UserAgent): Promise<void> {
  await Promise.race([
    userAgent.stop().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 300)),
  ]);
}

interface Phone {
  socket: SipSocket;
  userAgent: UserAgent;
  uses: number;
}

let phone: Phone | null = null;
/** A user agent collects transactions (and their timers) for 32 s: a fresh one now and then. */
const USES_PER_PHONE = 400;

async function currentPhone(): Promise<Phone> {
  if (phone && phone.uses++ < USES_PER_PHONE) return phone;
  await disposePhone();
  const socket = new SipSocket();
  const userAgent = new UserAgent({
    uri: UserAgent.makeURI(`sip:${USER}@198.51.100.10`),
    authorizationUsername: USER,
    authorizationPassword: 'fuzz-password',
    viaHost: '203.0.113.7',
    forceRport: true,
    contactName: USER,
    sendInitialProvisionalResponse: false,
    logBuiltinEnabled: false,
    logLevel: 'error',
    transportConstructor: class extends UdpTransport {
      constructor(logger: unknown) {
        super(logger, { endpoint: socket, server: SERVER, inviteAdmission: FUZZ_REQUEST_RATE });
      }
    },
    delegate: {
      // As the engine does for an offer it cannot take: a final answer, never a throw.
      onInvite: (invitation: Invitation) => {
        invitation.reject({ statusCode: 488 }).catch(() => undefined);
      },
    },
  });
  await userAgent.start();
  phone = { socket, userAgent, uses: 1 };
  return phone;
}

export async function disposePhone(): Promise<void> {
  const current = phone;
  phone = null;
  if (current) await current.userAgent.stop();
}

export const sipTarget: FuzzTarget<string> = {
  name: 'sip',
  contract:
    'any datagram on the SIP socket, request or response, from the server or a stranger, goes ' +
    'through UdpTransport into a running sip.js user agent without an exception reaching the ' +
    'socket; each is dropped or answered with at most a few datagrams',
  modules: [
    'src-main/sip/udp-transport.ts',
    'src-main/sip/sip-message-view.ts',
    'src-main/net/packet-kind.ts',
  ],
  async: true,
  input: () => mutatedText(fc.oneof(sipRequest, sipResponse)),
  async execute(text) {
    const current = await currentPhone();
    const view = mustNotThrow('viewSipMessage', () => viewSipMessage(text));
    if (view) {
      check(view.branch.length > 0 && view.method.length > 0, 'a view without branch or method');
      check(Number.isFinite(view.cseq), 'a view with a CSeq that is not a number');
    }
    const before = current.socket.sent;
    const datagram = Buffer.from(text, 'utf8');
    current.socket.deliver(datagram, SERVER);
    current.socket.deliver(datagram, STRANGER);
    // sip.js answers on later ticks (its transactions resolve promises).
    for (let tick = 0; tick < 4; tick++) await Promise.resolve();
    const answers = current.socket.sent - before;
    check(answers <= 4, `${answers} datagrams sent in answer to one message`);
  },
  dispose: disposePhone,
  ...textCodec,
};

const loggerFactory = new Core.LoggerFactory();
loggerFactory.builtinEnabled = false;
const logger = loggerFactory.getLogger('fuzz');

/** The REGISTER a challenge answers, as sip.js's Registerer builds it. */
function registerRequest(): Core.OutgoingRequestMessage {
  const uri = UserAgent.makeURI(`sip:${USER}@198.51.100.10`);
  const registrar = UserAgent.makeURI('sip:198.51.100.10');
  if (!uri || !registrar) throw new Error('bad fuzz URIs');
  return new Core.OutgoingRequestMessage('REGISTER', registrar, uri, uri, {
    callId: 'fuzz-call',
    cseq: 1,
  });
}

export const sipDigestTarget: FuzzTarget<string> = {
  name: 'sip-digest',
  contract:
    'a 401/407 with any WWW-/Proxy-Authenticate value that our transport lets through ' +
    '(viewSipMessage) is parsed by sip.js (challenge or undefined) and its digest code answers ' +
    'it (true/false) without throwing; the Authorization it writes is bounded',
  modules: ['src-main/sip/sip-message-view.ts'],
  input: () =>
    mutatedText(
      fc
        .tuple(
          fc.constantFrom('401 Unauthorized', '407 Proxy Authentication Required'),
          challengeValue,
        )
        .map(([status, challenge]) =>
          [
            `SIP/2.0 ${status}`,
            'Via: SIP/2.0/UDP 203.0.113.7;rport=5062;received=203.0.113.7;branch=z9hG4bK-1',
            `To: <sip:${USER}@198.51.100.10>;tag=srv`,
            `From: <sip:${USER}@198.51.100.10>;tag=abc`,
            'Call-ID: fuzz-call',
            'CSeq: 1 REGISTER',
            `${status.startsWith('401') ? 'WWW-Authenticate' : 'Proxy-Authenticate'}: ${challenge}`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        ),
    ),
  execute(text) {
    // What the transport drops never reaches sip.js (sip.js's own parser throws on some of it,
    // an empty CSeq for one, which the view absorbs).
    if (!mustNotThrow('viewSipMessage', () => viewSipMessage(text))) return;
    const message = mustNotThrow('Core.Parser.parseMessage', () =>
      Core.Parser.parseMessage(text, logger),
    );
    if (!(message instanceof Core.IncomingResponseMessage)) return;
    for (const header of ['www-authenticate', 'proxy-authenticate']) {
      const challenge: unknown = mustNotThrow(`parseHeader(${header})`, () =>
        message.parseHeader(header),
      );
      if (!challenge) continue;
      const credentials = new Core.DigestAuthentication(loggerFactory, undefined, USER, 'secret');
      const request = registerRequest();
      const answered = mustNotThrow('DigestAuthentication.authenticate', () =>
        credentials.authenticate(request, challenge),
      );
      if (answered) {
        const authorization = mustNotThrow('DigestAuthentication.toString', () =>
          credentials.toString(),
        );
        check(authorization.length <= 2 * text.length + 512, 'Authorization header unbounded');
      }
    }
  },
  ...textCodec,
};
