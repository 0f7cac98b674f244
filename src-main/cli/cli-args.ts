import { parseArgs } from 'node:util';
import {
  dtmfMethodSchema,
  type DtmfMethod,
  type MediaEncryption,
} from '../../src-shared/domain.js';
import type { NatStrategyId } from '../nat/index.js';
import type { SipTransport } from '../../src-shared/domain.js';
import { parseCodecOrder, type CodecName } from '../../src-shared/codec-order.js';
import { forwardNumberOf } from '../../src-shared/do-not-disturb.js';

/** A command-line mistake: reported on one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CommonOptions {
  json: boolean;
  stun: string[];
  noStun: boolean;
  localPort: number;
  keepalive: number | undefined;
  /** Advertise RTCP's public mapping and offer rtcp-mux (off: `--no-rtcp-mapping`, a control). */
  rtcpMapping: boolean;
  /** The router's idle UDP lifetime as `natter doctor --full` measured it; the keepalive follows it. */
  bindingLifetime: number | undefined;
  /** Seconds between RTP keepalives while a call sends no audio; 0 turns them off. */
  mediaKeepalive: number | undefined;
  /** --no-follow-registrar: the Contact ignores the registrar's Via received/rport. */
  followRegistrar: boolean;
}

export interface NatArgs extends CommonOptions {
  command: 'nat';
}

export interface SessionArgs extends CommonOptions {
  server: string;
  user: string;
  /** A TURN relay for the calls' media (password from NATTER_TURN_PASSWORD). */
  turn: { server: string; user: string } | null;
  turnPolicy: 'never' | 'symmetric' | 'always';
  /** One NAT strategy for the Contact and the calls, or `auto` (the default policy). */
  natStrategy: NatStrategyId | 'auto';
  seconds: number;
  displayName: string | undefined;
  expires: number | undefined;
  /** Servers that may take the registration when --server stops answering (nearest first). */
  failover: string[];
  /** --no-rescue: leave one-way audio as it is (no re-INVITE with another NAT strategy). */
  noRescue: boolean;
  /** Notice network changes at once (on by default); off leaves them to the keepalive. */
  networkWatch: boolean;
  /** --max-call-rate N: new incoming calls allowed to ring per second (the rest refused 503). */
  maxCallRate: number | undefined;
  /** The local IPv4 address to bind the sockets to; all interfaces by default. */
  localAddress: string | undefined;
  /** --srtp: SRTP for the calls' audio (off by default). */
  srtp: MediaEncryption;
  /** --transport udp|tcp|tls: how SIP reaches the server (UDP by default). */
  transport: SipTransport;
  /** --ca FILE: an extra CA certificate (PEM) trusted for TLS besides the system's. */
  caFile: string | undefined;
  /** --voicemail-expires S: the mailbox SUBSCRIBE's Expires; 0 subscribes not (NOTIFYs still read). */
  voicemailExpires: number | undefined;
  /** --voicemail-retry S: the first wait before subscribing again after the subscription ended. */
  voicemailRetry: number | undefined;
  /** --codecs G722,PCMU,...: the voice codecs offered, in order (G.722 first by default). */
  codecOrder: CodecName[] | undefined;
  /** --tone HZ: the test tone sent and listened for (1000 Hz by default; up to 7000 for G.722). */
  toneHz: number | undefined;
  /** --dtmf-method auto|rfc4733|sip-info|inband: how keypad digits go (auto by default). */
  dtmfMethod: DtmfMethod;
}

export interface CallArgs extends SessionArgs {
  command: 'call';
  target: string;
  ringSeconds: number;
  /** --hold AT,FOR: hold the call AT s after the answer and resume it FOR s later. */
  hold: { atSeconds: number; forSeconds: number } | null;
  /**
   * --transfer-to M [--transfer-after S] [--consult]: transfers the call to M S s after the
   * answer, blind (REFER), or attended: a consult call to M first, then REFER with Replaces.
   */
  transfer: { to: string; afterSeconds: number; attended: boolean } | null;
  /** --dtmf DIGITS: keypad digits sent a moment after the answer. */
  dtmf: string | null;
}

export interface ListenArgs extends SessionArgs {
  command: 'listen';
  answer: boolean;
  /** Answers every call at once, holding the one in progress: many calls up at a time. */
  answerAll: boolean;
  /** --accept-transfers: calls whom the far end's REFER names (else they are declined, 603). */
  acceptTransfers: boolean;
  /**
   * --dnd: every call refused 486 Busy Here; --dnd-forward NUMBER: every call sent to NUMBER
   * (302 Moved Temporarily), the number normalised as the dialer dials it. Null: calls ring.
   */
  doNotDisturb: { forwardTo: string | null } | null;
}

export interface DoctorArgs {
  command: 'doctor';
  json: boolean;
  server: string;
  user: string;
  stun: string[];
  turn: { server: string; user: string } | null;
  echo: string;
  full: boolean;
  apply: boolean;
  /** The settings file --apply writes; the desktop app's own by default. */
  settingsFile: string | undefined;
  ringSeconds: number | undefined;
  /** --ca FILE: an extra CA trusted when the doctor tries SIP over TLS around a SIP ALG. */
  caFile: string | undefined;
}

export type CliArgs =
  NatArgs | CallArgs | ListenArgs | DoctorArgs | { command: 'help' } | { command: 'version' };

const OPTIONS = {
  json: { type: 'boolean' },
  stun: { type: 'string', multiple: true },
  'no-stun': { type: 'boolean' },
  'local-port': { type: 'string' },
  keepalive: { type: 'string' },
  'no-rtcp-mapping': { type: 'boolean' },
  'binding-lifetime': { type: 'string' },
  'media-keepalive': { type: 'string' },
  'no-follow-registrar': { type: 'boolean' },
  server: { type: 'string' },
  user: { type: 'string' },
  seconds: { type: 'string' },
  'ring-seconds': { type: 'string' },
  hold: { type: 'string' },
  'transfer-to': { type: 'string' },
  'transfer-after': { type: 'string' },
  consult: { type: 'boolean' },
  'accept-transfers': { type: 'boolean' },
  dnd: { type: 'boolean' },
  'dnd-forward': { type: 'string' },
  'display-name': { type: 'string' },
  expires: { type: 'string' },
  failover: { type: 'string', multiple: true },
  answer: { type: 'boolean' },
  'answer-all': { type: 'boolean' },
  'no-network-watch': { type: 'boolean' },
  'max-call-rate': { type: 'string' },
  'local-address': { type: 'string' },
  srtp: { type: 'string' },
  codecs: { type: 'string' },
  tone: { type: 'string' },
  dtmf: { type: 'string' },
  'dtmf-method': { type: 'string' },
  transport: { type: 'string' },
  ca: { type: 'string' },
  'voicemail-expires': { type: 'string' },
  'voicemail-retry': { type: 'string' },
  turn: { type: 'string' },
  'turn-user': { type: 'string' },
  'turn-policy': { type: 'string' },
  'no-rescue': { type: 'boolean' },
  'nat-strategy': { type: 'string' },
  echo: { type: 'string' },
  full: { type: 'boolean' },
  apply: { type: 'boolean' },
  settings: { type: 'string' },
  password: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

const HOST_PORT = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0] : String(error));
  }
  const { values, positionals } = parsed;
  if (values.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  if (values.password !== undefined) {
    throw new UsageError('a password is never taken on the command line: set NATTER_PASSWORD');
  }
  if (values.stun?.length && values['no-stun']) {
    throw new UsageError('--stun and --no-stun contradict each other');
  }
  for (const server of values.stun ?? []) {
    if (!HOST_PORT.test(server)) throw new UsageError(`--stun ${server}: expected HOST:PORT`);
    checkPortOf(server, '--stun');
  }
  const common: CommonOptions = {
    json: values.json === true,
    stun: values.stun ?? [],
    noStun: values['no-stun'] === true,
    localPort: integer(values['local-port'], '--local-port', 0, 65535) ?? 0,
    keepalive: integer(values.keepalive, '--keepalive', 0, 3600),
    rtcpMapping: values['no-rtcp-mapping'] !== true,
    bindingLifetime: integer(values['binding-lifetime'], '--binding-lifetime', 1, 3600),
    mediaKeepalive: integer(values['media-keepalive'], '--media-keepalive', 0, 3600),
    followRegistrar: values['no-follow-registrar'] !== true,
  };
  if (command === 'nat') {
    if (rest.length > 0) throw new UsageError(`nat takes no argument (got "${rest[0]}")`);
    if (common.noStun) throw new UsageError('nat needs STUN: drop --no-stun');
    return { command: 'nat', ...common };
  }
  if (command !== 'call' && command !== 'listen' && command !== 'doctor') {
    throw new UsageError(`unknown command "${command}" (try: nat, call, listen, doctor)`);
  }
  if (!values.server) throw new UsageError(`${command} needs --server HOST[:PORT]`);
  if (!HOST_PORT.test(values.server)) {
    throw new UsageError(`--server ${values.server}: expected HOST[:PORT]`);
  }
  checkPortOf(values.server, '--server');
  if (!values.user) throw new UsageError(`${command} needs --user USER (e.g. 123456_home)`);
  if (!/^[A-Za-z0-9_.!~*'()&=+$,;?/-]{1,64}$/.test(values.user)) {
    throw new UsageError(`--user ${values.user}: not a valid SIP user`);
  }
  if ((values.turn === undefined) !== (values['turn-user'] === undefined)) {
    throw new UsageError('--turn and --turn-user go together');
  }
  if (values.turn !== undefined) {
    if (!HOST_PORT.test(values.turn)) {
      throw new UsageError(`--turn ${values.turn}: expected HOST:PORT`);
    }
    checkPortOf(values.turn, '--turn');
  }
  const turn =
    values.turn !== undefined && values['turn-user'] !== undefined
      ? { server: values.turn, user: values['turn-user'] }
      : null;
  const turnPolicy = values['turn-policy'] ?? 'symmetric';
  if (turnPolicy !== 'never' && turnPolicy !== 'symmetric' && turnPolicy !== 'always') {
    throw new UsageError(`--turn-policy ${turnPolicy}: expected never, symmetric or always`);
  }
  const natStrategy = natStrategyOf(values['nat-strategy'], common.noStun);
  if (command === 'doctor') {
    if (values['nat-strategy'] !== undefined) {
      throw new UsageError('doctor tries each NAT strategy itself: drop --nat-strategy');
    }
    if (rest.length > 0) throw new UsageError(`doctor takes no argument (got "${rest[0]}")`);
    if (common.noStun) throw new UsageError('doctor tests with and without STUN: drop --no-stun');
    const echo = values.echo ?? '4443';
    if (!/^[0-9*#+]{1,32}$/.test(echo)) throw new UsageError(`--echo ${echo}: expected a number`);
    if (values.transport !== undefined) {
      throw new UsageError('doctor tests UDP, and TLS where a SIP ALG is found: drop --transport');
    }
    if (values.ca === '') throw new UsageError('--ca needs a FILE (a PEM certificate)');
    return {
      command: 'doctor',
      json: common.json,
      server: values.server,
      user: values.user,
      stun: common.stun,
      turn,
      echo,
      full: values.full === true,
      apply: values.apply === true,
      settingsFile: values.settings,
      ringSeconds: integer(values['ring-seconds'], '--ring-seconds', 1, 120),
      caFile: values.ca,
    };
  }
  for (const server of values.failover ?? []) {
    if (!HOST_PORT.test(server)) throw new UsageError(`--failover ${server}: expected HOST[:PORT]`);
    checkPortOf(server, '--failover');
  }
  const session: SessionArgs = {
    ...common,
    server: values.server,
    user: values.user,
    turn,
    turnPolicy,
    natStrategy,
    seconds: integer(values.seconds, '--seconds', 1, 86_400) ?? (command === 'call' ? 5 : 60),
    displayName: values['display-name'],
    expires: integer(values.expires, '--expires', 60, 86_400),
    failover: values.failover ?? [],
    noRescue: values['no-rescue'] === true,
    networkWatch: values['no-network-watch'] !== true,
    maxCallRate: integer(values['max-call-rate'], '--max-call-rate', 1, 1000),
    localAddress: ipv4(values['local-address'], '--local-address'),
    srtp: mediaEncryptionOf(values.srtp),
    codecOrder: codecOrderOf(values.codecs),
    toneHz: integer(values.tone, '--tone', 100, 7000),
    dtmfMethod: dtmfMethodOf(values['dtmf-method']),
    ...signallingOf(values.transport, values.ca),
    voicemailExpires: integer(values['voicemail-expires'], '--voicemail-expires', 0, 86_400),
    voicemailRetry: integer(values['voicemail-retry'], '--voicemail-retry', 1, 3600),
  };
  const dndGiven = values.dnd !== undefined || values['dnd-forward'] !== undefined;
  if (command === 'call') {
    if (dndGiven) throw new UsageError('--dnd and --dnd-forward are for listen');
    const [target, extra] = rest;
    if (!target)
      throw new UsageError('call needs a TARGET (a number, e.g. 4443 for the echo test)');
    if (extra !== undefined) throw new UsageError(`call takes one TARGET (got "${extra}" too)`);
    if (!/^[A-Za-z0-9*#+._-]{1,64}$/.test(target)) {
      throw new UsageError(`TARGET ${target}: use digits, * and # (or a SIP user)`);
    }
    return {
      command: 'call',
      ...session,
      target,
      ringSeconds: integer(values['ring-seconds'], '--ring-seconds', 1, 600) ?? 60,
      hold: holdOf(values.hold),
      transfer: transferOf(values['transfer-to'], values['transfer-after'], values.consult),
      dtmf: dtmfDigitsOf(values.dtmf),
    };
  }
  if (values.dtmf !== undefined || values['dtmf-method'] !== undefined) {
    throw new UsageError('--dtmf and --dtmf-method are for call');
  }
  if (values.hold !== undefined) throw new UsageError('--hold is for call');
  if (values['transfer-to'] !== undefined || values['transfer-after'] !== undefined) {
    throw new UsageError('--transfer-to and --transfer-after are for call');
  }
  if (values.consult !== undefined) throw new UsageError('--consult is for call --transfer-to');
  if (dndGiven && (values.answer === true || values['answer-all'] === true)) {
    throw new UsageError('--dnd and --dnd-forward refuse every call: drop --answer/--answer-all');
  }
  const doNotDisturb = doNotDisturbOf(values.dnd, values['dnd-forward']);
  if (rest.length > 0) throw new UsageError(`listen takes no argument (got "${rest[0]}")`);
  return {
    command: 'listen',
    ...session,
    answer: values.answer === true,
    answerAll: values['answer-all'] === true,
    acceptTransfers: values['accept-transfers'] === true,
    doNotDisturb,
  };
}

function dtmfMethodOf(text: string | undefined): DtmfMethod {
  const parsed = dtmfMethodSchema.safeParse(text ?? 'auto');
  if (!parsed.success) {
    throw new UsageError(`--dtmf-method ${text}: expected auto, rfc4733, sip-info or inband`);
  }
  return parsed.data;
}

function dtmfDigitsOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  if (!/^[0-9*#A-Da-d]{1,32}$/.test(text)) {
    throw new UsageError(`--dtmf ${text}: expected up to 32 keypad digits (0-9, *, #, A-D)`);
  }
  return text.toUpperCase();
}

function doNotDisturbOf(
  busy: boolean | undefined,
  forward: string | undefined,
): ListenArgs['doNotDisturb'] {
  if (forward === undefined) return busy === true ? { forwardTo: null } : null;
  const forwardTo = forwardNumberOf(forward);
  if (forwardTo === null) {
    throw new UsageError(`--dnd-forward ${forward}: expected a number to forward calls to`);
  }
  return { forwardTo };
}

function transferOf(
  to: string | undefined,
  after: string | undefined,
  consult: boolean | undefined,
): CallArgs['transfer'] {
  if (to === undefined) {
    if (after !== undefined || consult !== undefined) {
      throw new UsageError('--transfer-after and --consult need --transfer-to NUMBER');
    }
    return null;
  }
  if (!/^[A-Za-z0-9*#+._-]{1,64}$/.test(to)) {
    throw new UsageError(`--transfer-to ${to}: use digits, * and # (or a SIP user)`);
  }
  return {
    to,
    afterSeconds: integer(after, '--transfer-after', 0, 86_400) ?? 2,
    attended: consult === true,
  };
}

function holdOf(text: string | undefined): CallArgs['hold'] {
  if (text === undefined) return null;
  const match = /^(\d{1,5}),(\d{1,5})$/.exec(text);
  if (!match) throw new UsageError(`--hold ${text}: expected AT,SECONDS (e.g. 3,4)`);
  return {
    atSeconds: integer(match[1], '--hold AT', 0, 86_400) ?? 0,
    forSeconds: integer(match[2], '--hold SECONDS', 1, 86_400) ?? 1,
  };
}

const SIP_TRANSPORTS: readonly SipTransport[] = ['udp', 'tcp', 'tls'];

function signallingOf(
  transportText: string | undefined,
  caFile: string | undefined,
): { transport: SipTransport; caFile: string | undefined } {
  const transport = SIP_TRANSPORTS.find((kind) => kind === (transportText ?? 'udp'));
  if (!transport) {
    throw new UsageError(`--transport ${transportText}: expected udp, tcp or tls`);
  }
  if (caFile !== undefined && transport !== 'tls') {
    throw new UsageError('--ca FILE is for TLS: add --transport tls');
  }
  if (caFile === '') throw new UsageError('--ca needs a FILE (a PEM certificate)');
  return { transport, caFile };
}

const NAT_STRATEGIES: readonly (NatStrategyId | 'auto')[] = [
  'auto',
  'none',
  'stun',
  'turn',
  'portmap',
];

function natStrategyOf(text: string | undefined, noStun: boolean): NatStrategyId | 'auto' {
  if (text === undefined) return 'auto';
  const strategy = NAT_STRATEGIES.find((id) => id === text);
  if (!strategy) {
    throw new UsageError(`--nat-strategy ${text}: expected ${NAT_STRATEGIES.join(', ')}`);
  }
  if (strategy === 'stun' && noStun) {
    throw new UsageError('--nat-strategy stun and --no-stun contradict each other');
  }
  return strategy;
}

const MEDIA_ENCRYPTIONS: readonly MediaEncryption[] = ['off', 'optional', 'required'];

function mediaEncryptionOf(text: string | undefined): MediaEncryption {
  if (text === undefined) return 'off';
  const mode = MEDIA_ENCRYPTIONS.find((candidate) => candidate === text);
  if (!mode) throw new UsageError(`--srtp ${text}: expected ${MEDIA_ENCRYPTIONS.join(', ')}`);
  return mode;
}

function codecOrderOf(text: string | undefined): CodecName[] | undefined {
  if (text === undefined) return undefined;
  const parsed = parseCodecOrder(text);
  if (!parsed.ok) throw new UsageError(`--codecs ${text}: ${parsed.error}`);
  return parsed.order;
}

function integer(
  text: string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} ${text}: expected a whole number`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${flag} ${text}: expected ${min}–${max}`);
  return value;
}

function ipv4(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
    throw new UsageError(`${flag} ${text}: expected an IPv4 address such as 192.168.1.20`);
  }
  return text;
}

function checkPortOf(hostPort: string, flag: string): void {
  const port = hostPort.split(':')[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new UsageError(`${flag} ${hostPort}: port must be 1–65535`);
  }
}

export const USAGE = `natter: a softphone engine for voip.ms behind NAT

Usage:
  natter nat    [--stun HOST:PORT ...] [--local-port N] [--json]
  natter call   TARGET --server HOST[:PORT] --user USER [--stun HOST:PORT ...|--no-stun]
                [--turn HOST:PORT --turn-user U [--turn-policy never|symmetric|always]]
                [--nat-strategy auto|none|stun|turn|portmap]
                [--seconds N] [--local-port N] [--local-address IP] [--keepalive S]
                [--binding-lifetime S] [--media-keepalive S] [--no-rescue] [--no-rtcp-mapping]
                [--no-network-watch] [--failover HOST[:PORT] ...]
                [--transport udp|tcp|tls [--ca FILE]] [--srtp off|optional|required]
                [--codecs G722,PCMU,PCMA] [--tone HZ] [--hold AT,SECONDS]
                [--dtmf DIGITS [--dtmf-method auto|rfc4733|sip-info|inband]]
                [--transfer-to N [--transfer-after S] [--consult]] [--json]
  natter listen --server HOST[:PORT] --user USER [--stun HOST:PORT ...|--no-stun]
                [--nat-strategy auto|none|stun|turn|portmap]
                [--seconds N] [--answer|--answer-all] [--accept-transfers]
                [--dnd|--dnd-forward NUMBER]
                [--local-address IP] [--keepalive S]
                [--binding-lifetime S] [--media-keepalive S] [--no-network-watch]
                [--failover HOST[:PORT] ...] [--no-follow-registrar] [--max-call-rate N]
                [--transport udp|tcp|tls [--ca FILE]] [--srtp off|optional|required]
                [--voicemail-expires S] [--voicemail-retry S] [--codecs G722,PCMU,PCMA] [--json]
  natter doctor --server HOST[:PORT] --user USER [--stun HOST:PORT ...]
                [--turn HOST:PORT --turn-user U] [--echo NUMBER] [--full] [--apply]
                [--ca FILE] [--settings FILE] [--json]

listen reports the voicemail count the provider sends (RFC 3842 message-summary): it
subscribes to the mailbox where the registrar lists message-summary in Allow-Events
(--voicemail-expires S, 0: no SUBSCRIBE, the
provider's unasked NOTIFYs are still read) and subscribes again --voicemail-retry S after the
subscription ends (30 s, doubling while refused).

doctor runs the voip.ms NAT troubleshooting procedure: reachability, NAT type, binding
lifetime (--full), SIP ALG, a test call to the echo number (4443) without STUN, then with STUN,
and gives one verdict; --apply writes the fix into the app's settings (or --settings FILE).
When the router rewrites SIP (a SIP ALG), it also registers and calls over TLS (port 5061,
--ca FILE trusted as with call), which the ALG cannot read, and recommends TLS if that works.
Exit 0 when some configuration gave audio both ways.

The SIP keepalive goes every 15 s unless --keepalive S sets it (0: off); given the router's
binding lifetime (--binding-lifetime S, as doctor --full measures it) it follows that instead:
half of it, at most 30 s. While a call sends no audio (on hold), an RTP keepalive goes every
15 s or as often as the SIP one, whichever is sooner (--media-keepalive S sets it, 0: off).
A call whose audio goes one-way after the answer is rescued by re-INVITE with a refreshed STUN
mapping, then the TURN relay where allowed; --no-rescue leaves it as it is. When --server
stops answering, --failover servers (asked with OPTIONS, the nearest wins) take the registration.
listen --answer answers each call after a short ring; --answer-all answers every call at once,
holding the one in progress. New incoming calls ring at most 2 a second (bursts of 10), and a
caller whose call went unanswered rings again only after 5 s; the rest are refused 486/503
(--max-call-rate N allows N a second). Quitting (Ctrl+C, SIGTERM) hangs up every call at once
and unregisters, within about 5 s; a second Ctrl+C or SIGTERM exits at once.
--nat-strategy picks one way through NAT for the Contact and every call: portmap asks the
router for a port mapping (PCP, NAT-PMP) and falls back to STUN; auto (the default) asks the
router first, then uses STUN, and TURN where its policy says.
--srtp encrypts the calls' audio (SRTP, keys in the SDP, RFC 4568): optional offers it and
takes it when the other side does, required makes a call that cannot be encrypted fail
(voip.ms "Encrypted SIP Traffic" gives SRTP: use required). Off by default.
--codecs sets the voice codecs offered and their order: G.722 (wideband, 16 kHz audio) first,
then PCMU and PCMA by default; the first of the list the other side also has is used.
--tone HZ sets the test tone sent and listened for (1000 Hz by default): 5000 Hz is heard only
through a wideband (G.722) call, since G.711 ends at 4 kHz.

call --hold AT,SECONDS puts the call on hold AT s after the answer (a re-INVITE, sendonly)
and resumes it SECONDS later, within --seconds.
call --dtmf DIGITS sends keypad digits 1.5 s after the answer (4747 is voip.ms's DTMF test):
--dtmf-method auto (the default) sends RFC 4733 events where the call negotiated them, else SIP
INFO; rfc4733 only events; sip-info only INFO (application/dtmf-relay); inband tones in the
audio. Exit 1 when the digits could not be sent.
call --transfer-to N transfers the call to N, --transfer-after S seconds after the answer (2 by
default): a blind transfer (REFER), or with --consult an attended one (the call is held, N is
called, then the first party is put through to N). Exit 1 when the transfer did not succeed.
listen --accept-transfers follows the other side's transfer requests (REFER); without it they
are declined (603). listen --json reports them: "transfer" on the caller's call (its target and
state: succeeded, failed, declined), "transferFrom" (the caller) on the call placed to the target.
listen --dnd refuses every call with 486 Busy Here (voip.ms then applies the DID's busy
routing, often voicemail); --dnd-forward NUMBER sends every call to NUMBER instead (302 Moved
Temporarily, Contact sip:NUMBER at the --server's host), NUMBER written as the dialer dials it.
Neither rings, answers or opens a media port.

--transport tls carries SIP over TLS (port 5061 unless --server names one), the server's
certificate checked against the system's trust store and the name given in --server; a failed
check stops with the check named, never falling back to plain text. --ca FILE trusts one more
CA (a private PBX, a lab). --transport tcp is SIP over plain TCP (port 5060).

The SIP password is read from the environment variable NATTER_PASSWORD, the TURN password
from NATTER_TURN_PASSWORD.
Examples:
  natter nat --json
  NATTER_PASSWORD=... natter call 4443 --server montreal5.voip.ms --user 123456_home
  NATTER_PASSWORD=... natter doctor --server montreal5.voip.ms --user 123456_home --apply
`;
