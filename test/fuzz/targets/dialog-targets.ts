/**
 * SIP inside a call: the `sip` target's requests belong to no dialog, so sip.js answers most of
 * them before its dialog code runs. Here a running user agent holds an established incoming
 * call (INVITE from the registrar, accepted, ACKed), and each input is a request in that call's
 * dialog (its Call-ID and tags, or one of them wrong), of any method, with the headers and
 * bodies in-dialog requests carry (RAck, Event, Refer-To, Replaces, Session-Expires, SDP,
 * dtmf-relay), then damaged line by line. A call the input ended is replaced by a new one.
 *
 * `sip-call-out` is the other side: the user agent places a call, and each input is what a
 * provider sends back, mostly a response to that INVITE (provisional, forked with several To
 * tags, final, challenged, with or without SDP), now and then a request in the dialog it made.
 */
import fc from 'fast-check';
import { Inviter, SessionState, UserAgent, type Invitation, type Session } from 'sip.js';
import { UdpTransport } from '../../../src-main/sip/udp-transport.js';
import { check, textCodec, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';
import { FUZZ_REQUEST_RATE, SERVER, SipSocket, stopWithin300Ms, USER } from './sip-targets.js';

/** Stand-ins in the input's text for the live call's identity, filled in at execution. */
const CALL_ID = '{call-id}';
const CALLER_TAG = '{caller-tag}';
const OUR_TAG = '{our-tag}';

const SDP = [
  'v=0',
  'o=carrier 2 3 IN IP4 198.51.100.7',
  's=-',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  '',
].join('\r\n');

const IN_DIALOG_METHODS = [
  'BYE',
  'INVITE',
  'ACK',
  'CANCEL',
  'PRACK',
  'UPDATE',
  'INFO',
  'REFER',
  'NOTIFY',
  'SUBSCRIBE',
  'MESSAGE',
  'OPTIONS',
  'PUBLISH',
  'REGISTER',
  'NEWMETHOD',
];

const extraHeaders = fc.subarray([
  'RAck: 1 1 INVITE',
  'RAck: 99999999999 4294967296 INVITE',
  'Event: refer',
  'Event: talk',
  'Subscription-State: active;expires=60',
  'Subscription-State: terminated;reason=noresource',
  'Refer-To: <sip:4443@198.51.100.10>',
  'Refer-To: <sip:4443@198.51.100.10?Replaces=abc%3Bto-tag%3Dx%3Bfrom-tag%3Dy>',
  'Refer-To: garbage',
  'Referred-By: <sip:15145550100@198.51.100.10>',
  'Replaces: call-1;to-tag=a;from-tag=b',
  'Session-Expires: 90;refresher=uac',
  'Session-Expires: 99999999999',
  'Min-SE: 90',
  'Require: timer',
  'Require: 100rel',
  'Supported: 100rel, timer, replaces',
  'Allow: INVITE, ACK, BYE',
  'Reason: SIP;cause=200;text="Call completed elsewhere"',
  'Expires: 0',
]);

const body = fc.constantFrom(
  { type: '', text: '' },
  { type: 'application/sdp', text: SDP },
  { type: 'application/sdp', text: 'v=0\r\n' },
  { type: 'application/dtmf-relay', text: 'Signal=5\r\nDuration=160\r\n' },
  { type: 'application/dtmf-relay', text: 'Signal=\r\nDuration=-1\r\n' },
  { type: 'application/dtmf', text: '11' },
  { type: 'message/sipfrag', text: 'SIP/2.0 200 OK' },
  { type: 'text/plain', text: 'hello' },
  { type: 'application/sdp', text: 'garbage body' },
);

/**
 * A message from its start line and headers (an empty one left out: an optional header not
 * drawn), then the body's Content-Type, its Content-Length and the body.
 */
function withBody(body: { type: string; text: string }, lines: string[]): string {
  return [
    ...lines.filter((line) => line !== ''),
    ...(body.type ? [`Content-Type: ${body.type}`] : []),
    `Content-Length: ${Buffer.byteLength(body.text)}`,
    '',
    body.text,
  ].join('\r\n');
}

const ticks = async (count: number) => {
  for (let tick = 0; tick < count; tick++) await new Promise((resolve) => setImmediate(resolve));
};

/** Gives the user agent one message from the registrar; how many datagrams it sent in answer. */
async function answersTo(socket: SipSocket, message: string): Promise<number> {
  const before = socket.sent;
  socket.deliver(Buffer.from(message), SERVER);
  await ticks(3);
  return socket.sent - before;
}

/** A request in the live call's dialog, its identity as stand-ins (or deliberately wrong). */
export const inDialogRequest = fc
  .record({
    method: fc.constantFrom(...IN_DIALOG_METHODS),
    cseq: fc.constantFrom('2', '3', '1', '0', '4294967295', '4294967296', '-1', '99'),
    callId: fc.constantFrom(CALL_ID, CALL_ID, CALL_ID, 'another-call@198.51.100.10'),
    callerTag: fc.constantFrom(CALLER_TAG, CALLER_TAG, 'another-caller-tag', ''),
    ourTag: fc.constantFrom(OUR_TAG, OUR_TAG, OUR_TAG, 'another-tag', ''),
    contact: fc.constantFrom('Contact: <sip:15145550100@198.51.100.10:5060>', 'Contact: *', ''),
    branch: fc.string({ minLength: 1, maxLength: 10 }).map((text) => `z9hG4bK${text}`),
    extra: extraHeaders,
    body,
  })
  .map((request) =>
    withBody(request.body, [
      `${request.method} sip:${USER}@203.0.113.7:5060 SIP/2.0`,
      `Via: SIP/2.0/UDP 198.51.100.10:5060;branch=${request.branch}`,
      'Max-Forwards: 70',
      `From: <sip:15145550100@198.51.100.10>${request.callerTag ? `;tag=${request.callerTag}` : ''}`,
      `To: <sip:${USER}@198.51.100.10>${request.ourTag ? `;tag=${request.ourTag}` : ''}`,
      `Call-ID: ${request.callId}`,
      `CSeq: ${request.cseq} ${request.method}`,
      request.contact,
      ...request.extra,
    ]),
  );

interface LiveCall {
  session: Session;
  callId: string;
  callerTag: string;
  ourTag: string;
}

interface Phone {
  socket: SipSocket;
  userAgent: UserAgent;
  invitations: Invitation[];
  call: LiveCall | null;
  uses: number;
  calls: number;
}

let phone: Phone | null = null;
/** Transactions and their timers pile up in a user agent: a fresh one now and then. */
const USES_PER_PHONE = 300;

/**
 * A started user agent on `socket`, as the engine's: the fake media handler takes any offer that
 * looks like SDP at all (media is not what is fuzzed here).
 */
async function startUserAgent(
  socket: SipSocket,
  onInvite?: (invitation: Invitation) => void,
): Promise<UserAgent> {
  const userAgent = new UserAgent({
    uri: UserAgent.makeURI(`sip:${USER}@198.51.100.10`),
    authorizationUsername: USER,
    authorizationPassword: 'fuzz-password',
    viaHost: '203.0.113.7',
    contactName: USER,
    sendInitialProvisionalResponse: false,
    logBuiltinEnabled: false,
    logLevel: 'error',
    transportConstructor: class extends UdpTransport {
      constructor(logger: unknown) {
        super(logger, {
          endpoint: socket,
          server: SERVER,
          localUser: USER,
          inviteAdmission: FUZZ_REQUEST_RATE,
        });
      }
    },
    sessionDescriptionHandlerFactory: () => ({
      close: () => undefined,
      getDescription: async () => ({ body: SDP, contentType: 'application/sdp' }),
      hasDescription: (contentType: string) => contentType === 'application/sdp',
      setDescription: async (description: string) => {
        if (!description.startsWith('v=0')) throw new Error('not SDP');
      },
      sendDtmf: () => true,
    }),
    ...(onInvite ? { delegate: { onInvite } } : {}),
  });
  await userAgent.start();
  return userAgent;
}

/** As the engine does: keypad INFO is taken, a transfer request is refused. */
function answerInCallRequestsAsTheEngine(session: Session): void {
  session.delegate = {
    onInfo: (info) => void info.accept().catch(() => undefined),
    onRefer: (referral) => void referral.reject().catch(() => undefined),
  };
}

async function newPhone(): Promise<Phone> {
  const socket = new SipSocket();
  const invitations: Invitation[] = [];
  const userAgent = await startUserAgent(socket, (invitation) => {
    invitations.push(invitation);
    answerInCallRequestsAsTheEngine(invitation);
    invitation.accept().catch(() => undefined);
  });
  return { socket, userAgent, invitations, call: null, uses: 0, calls: 0 };
}

/** An established incoming call on `current`: the INVITE, our 200 OK, the caller's ACK. */
async function placeCall(current: Phone): Promise<LiveCall> {
  current.calls += 1;
  const callId = `fuzz-call-${current.calls}@198.51.100.10`;
  const callerTag = `caller${current.calls}`;
  const head = (method: string, cseq: number, branch: string, ourTag?: string) => [
    `${method} sip:${USER}@203.0.113.7:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK${branch}`,
    'Max-Forwards: 70',
    `From: <sip:15145550100@198.51.100.10>;tag=${callerTag}`,
    `To: <sip:${USER}@198.51.100.10>${ourTag ? `;tag=${ourTag}` : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
    'Contact: <sip:15145550100@198.51.100.10:5060>',
  ];
  const deliver = (lines: string[]) =>
    current.socket.deliver(Buffer.from(lines.join('\r\n')), SERVER);
  deliver([
    ...head('INVITE', 1, `inv${current.calls}`),
    'Content-Type: application/sdp',
    `Content-Length: ${SDP.length}`,
    '',
    SDP,
  ]);
  await ticks(4);
  const ok = current.socket.lastSent.find(
    (text) => text.startsWith('SIP/2.0 200') && text.includes(`Call-ID: ${callId}`),
  );
  const ourTag = ok ? /^To:.*;tag=([^;\s]+)/im.exec(ok)?.[1] : undefined;
  const session = current.invitations.at(-1);
  if (!ourTag || !session) throw new Error('the fuzz call was not answered');
  deliver([...head('ACK', 1, `ack${current.calls}`, ourTag), 'Content-Length: 0', '', '']);
  await ticks(2);
  if (session.state !== SessionState.Established) throw new Error('the fuzz call did not start');
  return { session, callId, callerTag, ourTag };
}

async function currentCall(): Promise<{ current: Phone; call: LiveCall }> {
  if (!phone || phone.uses++ >= USES_PER_PHONE) {
    await disposeDialogPhone();
    phone = await newPhone();
  }
  const current = phone;
  if (!current.call || current.call.session.state !== SessionState.Established) {
    current.call = await placeCall(current);
  }
  return { current, call: current.call };
}

export async function disposeDialogPhone(): Promise<void> {
  const current = phone;
  phone = null;
  if (current) await stopWithin300Ms(current.userAgent);
}

export const sipDialogTarget: FuzzTarget<string> = {
  name: 'sip-dialog',
  contract:
    'any request inside an established call (its dialog, or with one identifier wrong), of any ' +
    'method and damaged line by line, goes through UdpTransport into the running sip.js user ' +
    'agent without an exception reaching the socket, and gets at most a few datagrams in answer',
  modules: [
    'src-main/sip/udp-transport.ts',
    'src-main/sip/incoming-request-screen.ts',
    'src-main/sip/request-guard.ts',
  ],
  async: true,
  input: () => mutatedText(inDialogRequest),
  async execute(text) {
    const { current, call } = await currentCall();
    const request = text
      .replaceAll(CALL_ID, call.callId)
      .replaceAll(CALLER_TAG, call.callerTag)
      .replaceAll(OUR_TAG, call.ourTag);
    const answers = await answersTo(current.socket, request);
    check(answers <= 4, `${answers} datagrams sent in answer to one request in a call`);
  },
  dispose: disposeDialogPhone,
  ...textCodec,
};

/** Stand-ins for the outgoing INVITE's identity, filled in at execution. */
const OUR_BRANCH = '{invite-branch}';
const OUR_FROM_TAG = '{our-from-tag}';
const INVITE_CSEQ = '{invite-cseq}';

/** A response to our INVITE, or a request in the dialog it made: what a provider sends back. */
export const outgoingCallMessage = fc.oneof(
  { weight: 3, arbitrary: responseToOurInvite() },
  { weight: 1, arbitrary: inDialogRequest },
);

/** The value that matches the call nine times in ten, else one of the wrong ones. */
function mostly(right: string, ...wrong: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 9, arbitrary: fc.constant(right) },
    { weight: 1, arbitrary: fc.constantFrom(...wrong) },
  );
}

function responseToOurInvite(): fc.Arbitrary<string> {
  return fc
    .record({
      status: fc.constantFrom(
        '100 Trying',
        '180 Ringing',
        '181 Call Is Being Forwarded',
        '183 Session Progress',
        '199 Early Dialog Terminated',
        '200 OK',
        '202 Accepted',
        '302 Moved Temporarily',
        '401 Unauthorized',
        '407 Proxy Authentication Required',
        '422 Session Interval Too Small',
        '480 Temporarily Unavailable',
        '486 Busy Here',
        '488 Not Acceptable Here',
        '491 Request Pending',
        '503 Service Unavailable',
        '603 Decline',
        '699 Whatever',
      ),
      branch: mostly(OUR_BRANCH, 'z9hG4bKsomeoneelse'),
      fromTag: mostly(OUR_FROM_TAG, 'not-ours', ''),
      // Forking: each provider leg answers with its own tag.
      toTag: fc.constantFrom('', 'leg1', 'leg1', 'leg2', 'leg3'),
      cseq: mostly(INVITE_CSEQ, '2', '4294967295'),
      cseqMethod: mostly('INVITE', 'BYE', 'CANCEL'),
      callId: mostly(CALL_ID, 'another-call@198.51.100.10'),
      contact: fc.constantFrom(
        'Contact: <sip:4443@198.51.100.10:5060>',
        'Contact: <sip:4443@198.51.100.10:5060>;expires=60',
        'Contact: <sips:4443@198.51.100.10>',
        'Contact: <tel:+15145550100>',
        'Contact: *',
        '',
      ),
      extra: fc.subarray([
        'Record-Route: <sip:198.51.100.10;lr>',
        'Record-Route: <sip:198.51.100.10;lr>, <sip:198.51.100.11;lr;ftag=x>',
        'Record-Route: garbage',
        'Require: 100rel',
        'RSeq: 1',
        'RSeq: 4294967296',
        'Session-Expires: 90;refresher=uas',
        'Min-SE: 1800',
        'WWW-Authenticate: Digest realm="voip.ms", nonce="abc", algorithm=MD5, qop="auth"',
        'Proxy-Authenticate: Digest realm="voip.ms", nonce="abc", stale=true',
        'Retry-After: 99999999999',
        'Reason: Q.850;cause=16',
        'Allow: INVITE, ACK, CANCEL, BYE, REFER',
        'Supported: replaces',
      ]),
      body,
    })
    .map((response) =>
      withBody(response.body, [
        `SIP/2.0 ${response.status}`,
        // The sent-by sip.js wrote, no port: it drops a response whose Via names another.
        `Via: SIP/2.0/UDP 203.0.113.7;rport=5060;received=203.0.113.7;branch=${response.branch}`,
        `From: <sip:${USER}@198.51.100.10>${response.fromTag ? `;tag=${response.fromTag}` : ''}`,
        `To: <sip:4443@198.51.100.10>${response.toTag ? `;tag=${response.toTag}` : ''}`,
        `Call-ID: ${response.callId}`,
        `CSeq: ${response.cseq} ${response.cseqMethod}`,
        response.contact,
        ...response.extra,
      ]),
    );
}

interface OutgoingCall {
  session: Session;
  callId: string;
  fromTag: string;
  branch: string;
  cseq: string;
}

interface CallingPhone {
  socket: SipSocket;
  userAgent: UserAgent;
  call: OutgoingCall | null;
  uses: number;
}

let callingPhone: CallingPhone | null = null;

async function newCallingPhone(): Promise<CallingPhone> {
  const socket = new SipSocket();
  return { socket, userAgent: await startUserAgent(socket), call: null, uses: 0 };
}

/** Sends a new INVITE, as the engine's outgoing call does, and reads back its identity. */
async function placeOutgoingCall(current: CallingPhone): Promise<OutgoingCall> {
  const target = UserAgent.makeURI('sip:4443@198.51.100.10');
  if (!target) throw new Error('bad fuzz URI');
  const session = new Inviter(current.userAgent, target);
  answerInCallRequestsAsTheEngine(session);
  session.invite({}).catch(() => undefined);
  await ticks(3);
  const invite = [...current.socket.lastSent].reverse().find((text) => text.startsWith('INVITE '));
  const field = (pattern: RegExp) => (invite ? pattern.exec(invite)?.[1] : undefined);
  const callId = field(/^Call-ID: (\S+)/im);
  const fromTag = field(/^From:.*;tag=([^;\s]+)/im);
  const branch = field(/^Via:.*;branch=([^;\s]+)/im);
  const cseq = field(/^CSeq: (\d+) INVITE/im);
  if (!callId || !fromTag || !branch || !cseq) throw new Error('the fuzz INVITE was not sent');
  return { session, callId, fromTag, branch, cseq };
}

async function currentOutgoingCall(): Promise<{ current: CallingPhone; call: OutgoingCall }> {
  if (!callingPhone || callingPhone.uses++ >= USES_PER_PHONE) {
    await disposeCallingPhone();
    callingPhone = await newCallingPhone();
  }
  const current = callingPhone;
  if (!current.call || current.call.session.state === SessionState.Terminated) {
    current.call = await placeOutgoingCall(current);
  }
  return { current, call: current.call };
}

export async function disposeCallingPhone(): Promise<void> {
  const current = callingPhone;
  callingPhone = null;
  if (current) await stopWithin300Ms(current.userAgent);
}

export const sipCallOutTarget: FuzzTarget<string> = {
  name: 'sip-call-out',
  contract:
    'any response to an outgoing INVITE (provisional, forked with several To tags, final, ' +
    'challenged, with or without SDP) or request in the dialogs it made, damaged line by line, ' +
    'goes through UdpTransport into the running sip.js user agent without an exception reaching ' +
    'the socket, and gets at most a few datagrams in answer',
  modules: [
    'src-main/sip/udp-transport.ts',
    'src-main/sip/sip-message-view.ts',
    'src-main/sip/client-transactions.ts',
  ],
  async: true,
  input: () => mutatedText(outgoingCallMessage),
  async execute(text) {
    const { current, call } = await currentOutgoingCall();
    const message = text
      .replaceAll(OUR_BRANCH, call.branch)
      .replaceAll(OUR_FROM_TAG, call.fromTag)
      .replaceAll(INVITE_CSEQ, call.cseq)
      .replaceAll(CALL_ID, call.callId)
      // A request in the dialog comes from the far end: its tags are the other way round.
      .replaceAll(CALLER_TAG, 'leg1')
      .replaceAll(OUR_TAG, call.fromTag);
    const answers = await answersTo(current.socket, message);
    check(answers <= 4, `${answers} datagrams sent in answer to one message of a call`);
  },
  dispose: disposeCallingPhone,
  ...textCodec,
};
