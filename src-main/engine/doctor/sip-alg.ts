/**
 * The NAT doctor's SIP ALG check. A router's SIP ALG rewrites SIP on its way out (Contact, Via,
 * SDP), often wrongly: Contact moved to the WAN address with port 5060, rport stripped, Via
 * sent-by replaced. We cannot see the packet after the router, but the registrar shows us parts
 * of it: a 2xx to REGISTER lists the bindings it stored (RFC 3261 §10.3 step 8), and every
 * response carries our Via back unchanged (§8.2.6.2) with what the registrar saw added
 * (received/rport, RFC 3581). Anything there that we did not send was changed on the path.
 *
 * Pure: it reads a trace of what our transport sent and received and never touches a socket.
 */
import { Core } from 'sip.js';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { parseAudioSdp } from '../../media/sdp.js';

export interface TracedMessage {
  direction: 'out' | 'in';
  message: string;
  peer: TransportAddress;
}

export interface AlgFinding {
  detected: boolean;
  reasons: string[];
  evidence: Record<string, unknown>;
}

interface ViaValue {
  raw: string;
  host: string | null;
  port: number | undefined;
  branch: string | undefined;
  received: string | undefined;
  rport: number | undefined;
  /** The `rport` parameter is present, with or without a value. */
  hasRport: boolean;
}

interface ContactValue {
  raw: string;
  user: string | undefined;
  host: string;
  port: number | undefined;
  expires: number | undefined;
}

interface ParsedMessage {
  index: number;
  direction: 'out' | 'in';
  peer: TransportAddress | null;
  text: string;
  kind: 'request' | 'response';
  /** Request method, or the CSeq method a response answers. */
  method: string;
  statusCode: number;
  requestUri: string | undefined;
  requestHost: string | undefined;
  callId: string;
  cseq: number;
  vias: ViaValue[];
  contacts: ContactValue[];
  expiresHeader: number | undefined;
  body: string;
}

const silentLoggerFactory = new Core.LoggerFactory();
silentLoggerFactory.builtinEnabled = false;
const parserLogger = silentLoggerFactory.getLogger('natter.sip-alg');

/** How many exchanges the evidence lists: enough for a ticket, small enough to read. */
const MAX_LISTED = 4;
const MAX_EXCHANGE_CHARS = 4000;

/**
 * Compares what we sent with what the registrar echoed or reported. `stunMapped` is what STUN
 * reported for the SIP socket, when known; `local` the SIP socket's own address.
 */
export function detectSipAlg(
  trace: readonly TracedMessage[],
  context: { local: TransportAddress; stunMapped: TransportAddress | null },
): AlgFinding {
  const reasons: string[] = [];
  const notes: string[] = [];
  // One reason per kind of rewrite (the first example); how often it was seen goes to evidence.
  const seen = new Map<string, number>();
  const addReason = (kind: string, reason: () => string) => {
    const count = seen.get(kind) ?? 0;
    seen.set(kind, count + 1);
    if (count === 0) reasons.push(reason());
  };
  const addNote = (note: string) => {
    if (!notes.includes(note)) notes.push(note);
  };

  const entries = Array.isArray(trace) ? trace : [];
  const parsed: ParsedMessage[] = [];
  const unparsable: string[] = [];
  let sent = 0;
  let received = 0;
  entries.forEach((entry, index) => {
    const direction = readDirection(entry);
    if (direction === 'out') sent++;
    else if (direction === 'in') received++;
    const text = typeof entry?.message === 'string' ? entry.message : null;
    // CRLF keepalives are not messages.
    if (text === null || text.trim() === '') return;
    const message = direction
      ? parseMessage(text, direction, index, readAddress(entry?.peer))
      : null;
    if (message) parsed.push(message);
    else unparsable.push(firstLine(text));
  });

  const local = readAddress(context?.local);
  const stunMapped = readAddress(context?.stunMapped);
  const ourContacts = parsed
    .filter((m) => m.direction === 'out')
    .flatMap((m) => m.contacts)
    .filter((c) => c.host !== '');

  const registrations: Record<string, unknown>[] = [];
  let exchange: { sent?: string; received: string } | null = null;
  let registrarSees: TransportAddress | null = null;
  let registrarSeesVia: string | null = null;

  for (const response of parsed) {
    if (response.direction !== 'in' || response.kind !== 'response') continue;
    const request = findRequest(parsed, response);
    if (!request) continue;
    const sentVia = request.vias[0];
    const echoedVia = response.vias[0];
    let rewritten = false;

    if (sentVia && echoedVia && sentVia.host !== null && echoedVia.host !== null) {
      if (!sameSentBy(sentVia, echoedVia)) {
        rewritten = true;
        addReason(
          'via',
          () =>
            `Via rewritten: we sent "Via: ${sentVia.raw}" and the ${describeResponse(response)} ` +
            `carried back "Via: ${echoedVia.raw}" (a response copies the Via unchanged, so ` +
            `something on the path changed our sent-by ${sentByOf(sentVia)} to ${sentByOf(echoedVia)})`,
        );
      } else if (sentVia.branch && echoedVia.branch && sentVia.branch !== echoedVia.branch) {
        rewritten = true;
        addReason(
          'via-branch',
          () =>
            `Via rewritten: our branch ${sentVia.branch ?? ''} came back as ` +
            `${echoedVia.branch ?? ''} in the ${describeResponse(response)}`,
        );
      }
      if (sentVia.hasRport && !echoedVia.hasRport) {
        rewritten = true;
        addReason(
          'rport',
          () =>
            `rport stripped: we sent "Via: ${sentVia.raw}" and the ${describeResponse(response)} ` +
            `carried back "Via: ${echoedVia.raw}", without the rport we asked for (RFC 3581), so ` +
            `the registrar answers to the port in our Via rather than the one the router opened`,
        );
      }
      if (echoedVia.rport !== undefined) {
        registrarSees = { address: echoedVia.received ?? echoedVia.host, port: echoedVia.rport };
        registrarSeesVia = echoedVia.raw;
      }
    }

    if (request.method === 'REGISTER' && response.statusCode >= 200 && response.statusCode < 300) {
      const check = checkRegisterEcho(request, response, ourContacts);
      const contactReason = check.reason;
      if (contactReason) {
        rewritten = true;
        addReason('contact', () => contactReason);
      }
      if (check.note) addNote(check.note);
      registrations.push({
        request: `${request.cseq} REGISTER`,
        registrar: request.peer ? formatAddress(request.peer) : null,
        status: response.statusCode,
        sentContact: request.contacts.map((c) => c.raw),
        echoedContact: response.contacts.map((c) => c.raw),
        sentVia: sentVia?.raw ?? null,
        responseVia: echoedVia?.raw ?? null,
      });
    }

    if (rewritten && !exchange) {
      exchange = { sent: excerpt(request.text), received: excerpt(response.text) };
    }
  }

  // Requests the provider sends us are addressed to the Contact we registered; a Request-URI
  // naming our private address was translated on the way in (ALGs rewrite both directions).
  if (local) {
    const weSentLocal = ourContacts.some((c) => sameHost(c.host, local.address));
    for (const request of parsed) {
      if (request.direction !== 'in' || request.kind !== 'request') continue;
      if (
        ourContacts.length > 0 &&
        !weSentLocal &&
        request.requestHost !== undefined &&
        sameHost(request.requestHost, local.address)
      ) {
        addReason(
          'request-uri',
          () =>
            `Request-URI rewritten: an incoming ${request.method} was addressed to ` +
            `${request.requestUri ?? ''}, our private address, though we only ever gave out ` +
            `${ourContacts[0]?.raw ?? ''}: the router translated it on the way in`,
        );
        exchange ??= { received: excerpt(request.text) };
      }
    }
  }

  if (registrarSees && stunMapped && local) {
    const portRule = checkMappingAgainstStun(registrarSees, local, stunMapped, ourContacts);
    const portReason = portRule.reason;
    if (portReason) addReason('mapping', () => portReason);
    if (portRule.note) addNote(portRule.note);
  }

  // What the provider received of our SDP is not echoed back, so a rewritten c= cannot be seen
  // from here; what we sent is listed so it can be compared with the provider's side.
  const sdpSent = parsed
    .filter((m) => m.direction === 'out' && m.body.trim() !== '')
    .map((m) => {
      const sdp = parseAudioSdp(m.body);
      if (!sdp.ok) return null;
      return {
        message: m.kind === 'request' ? m.method : `${m.statusCode} ${m.method}`,
        connection: sdp.connection,
        audioPort: sdp.audioPort,
      };
    })
    .filter((entry) => entry !== null)
    .slice(-MAX_LISTED);

  const evidence: Record<string, unknown> = {
    local: local ? formatAddress(local) : null,
    stunMapped: stunMapped ? formatAddress(stunMapped) : null,
    messages: { sent, received, unparsable: unparsable.length },
    registrations: registrations.slice(-MAX_LISTED),
    registrarSees: registrarSees ? formatAddress(registrarSees) : null,
  };
  if (registrarSeesVia) evidence.registrarSeesVia = registrarSeesVia;
  if (seen.size > 0) evidence.rewritesSeen = Object.fromEntries(seen);
  if (sdpSent.length > 0) evidence.sdpSent = sdpSent;
  if (unparsable.length > 0) evidence.unparsableStartLines = unparsable.slice(0, MAX_LISTED);
  if (notes.length > 0) evidence.notes = notes;
  if (exchange) evidence.exchange = exchange;
  return { detected: reasons.length > 0, reasons, evidence };
}

/**
 * The REGISTER check: every binding we asked for must be among those the registrar lists. A
 * binding it lists that we never sent is what the registrar received instead, unless it equals
 * the address the registrar saw us at: registrars that fix NAT themselves store that one (e.g.
 * Kamailio's fix_nated_register, Asterisk's rewrite_contact), and calls reach us there anyway.
 */
function checkRegisterEcho(
  request: ParsedMessage,
  response: ParsedMessage,
  ourContacts: readonly ContactValue[],
): { reason?: string; note?: string } {
  const asked = request.contacts.filter(
    (c) => c.host !== '' && (c.expires ?? request.expiresHeader) !== 0,
  );
  if (asked.length === 0) return {};
  const echoed = response.contacts.filter((c) => c.host !== '');
  if (echoed.length === 0) {
    return { note: `the registrar's ${response.statusCode} to REGISTER lists no Contact` };
  }
  const missing = asked.filter((ours) => !echoed.some((e) => sameBinding(ours, e)));
  if (missing.length === 0) return {};
  const foreign = echoed.filter((e) => !ourContacts.some((ours) => sameBinding(ours, e)));
  const via = response.vias[0];
  const source =
    via && via.host !== null && via.rport !== undefined
      ? { address: via.received ?? via.host, port: via.rport }
      : null;
  const rewrites = foreign.filter(
    (e) => !(source && sameHost(e.host, source.address) && (e.port ?? 5060) === source.port),
  );
  const ours = missing[0];
  if (!ours) return {};
  const theirs = rewrites[0];
  if (!theirs) {
    if (foreign.length > 0) {
      return {
        note:
          `the registrar stored "${foreign[0]?.raw ?? ''}" for our "${ours.raw}": the address ` +
          `it saw us at, which a registrar that handles NAT itself does`,
      };
    }
    return { note: `the registrar's answer does not list our Contact "${ours.raw}"` };
  }
  return {
    reason:
      `Contact rewritten: we registered "Contact: ${ours.raw}" and the registrar's ` +
      `${response.statusCode} echoed "Contact: ${theirs.raw}" (${describeChange(ours, theirs)}); ` +
      `something on the path rewrote our Contact`,
  };
}

/**
 * Behind NAT the registrar's rport is our public port toward it. If STUN from this very socket
 * saw another port, yet the registrar saw our local port unchanged on the same public address,
 * SIP packets get a treatment of their own on the router: an ALG rewriting them. The rule only
 * applies when a Contact we sent carried the STUN mapping, which shows it is this socket's;
 * a mapping learned on another socket has another port for a reason of its own.
 */
function checkMappingAgainstStun(
  seen: TransportAddress,
  local: TransportAddress,
  stunMapped: TransportAddress,
  ourContacts: readonly ContactValue[],
): { reason?: string; note?: string } {
  if (!sameHost(seen.address, stunMapped.address)) {
    if (!sameHost(seen.address, local.address)) {
      return {
        note:
          `the registrar sees us at ${formatAddress(seen)} but STUN at ` +
          `${formatAddress(stunMapped)}: another public address toward the registrar`,
      };
    }
    return {};
  }
  if (seen.port === stunMapped.port) return {};
  const stunIsThisSocket = ourContacts.some(
    (c) => sameHost(c.host, stunMapped.address) && (c.port ?? 5060) === stunMapped.port,
  );
  if (
    stunIsThisSocket &&
    seen.port === local.port &&
    stunMapped.port !== local.port &&
    !sameHost(seen.address, local.address)
  ) {
    return {
      reason:
        `SIP mapping differs from STUN: the registrar saw our SIP at ${formatAddress(seen)}, ` +
        `our local port unchanged, while STUN from the same socket saw ${formatAddress(stunMapped)}: ` +
        `the router handles SIP packets apart from the rest (a SIP ALG)`,
    };
  }
  return {
    note:
      `the registrar sees us at ${formatAddress(seen)} and STUN at ${formatAddress(stunMapped)}: ` +
      `another public port toward the registrar (a symmetric NAT does that too)`,
  };
}

/** The request a response answers: by top Via branch, else by Call-ID and CSeq. */
function findRequest(
  parsed: readonly ParsedMessage[],
  response: ParsedMessage,
): ParsedMessage | undefined {
  let byBranch: ParsedMessage | undefined;
  let bySequence: ParsedMessage | undefined;
  const branch = response.vias[0]?.branch;
  for (const candidate of parsed) {
    if (candidate.index >= response.index) break;
    if (candidate.direction !== 'out' || candidate.kind !== 'request') continue;
    if (candidate.method !== response.method) continue;
    if (branch !== undefined && candidate.vias[0]?.branch === branch) byBranch = candidate;
    if (candidate.callId === response.callId && candidate.cseq === response.cseq) {
      bySequence = candidate;
    }
  }
  return byBranch ?? bySequence;
}

function parseMessage(
  text: string,
  direction: 'out' | 'in',
  index: number,
  peer: TransportAddress | null,
): ParsedMessage | null {
  try {
    const message = Core.Parser.parseMessage(text, parserLogger);
    if (!message) return null;
    const cseq = message.parseHeader('cseq') as { method?: string; value?: number } | undefined;
    const callId = message.callId;
    if (!cseq?.method || typeof callId !== 'string') return null;
    const isResponse = message instanceof Core.IncomingResponseMessage;
    const requestUri = isResponse
      ? undefined
      : (message as Core.IncomingRequestMessage).ruri?.toString();
    const requestHost = isResponse
      ? undefined
      : (message as Core.IncomingRequestMessage).ruri?.host;
    const expiresHeader = Number(message.getHeader('expires'));
    return {
      index,
      direction,
      peer,
      text,
      kind: isResponse ? 'response' : 'request',
      method: isResponse ? cseq.method : (message as Core.IncomingRequestMessage).method,
      statusCode: isResponse ? ((message as Core.IncomingResponseMessage).statusCode ?? 0) : 0,
      requestUri,
      requestHost,
      callId,
      cseq: Number(cseq.value),
      vias: message.getHeaders('via').flatMap(splitHeaderValues).map(parseVia),
      contacts: readContacts(message),
      expiresHeader:
        message.hasHeader('expires') && Number.isFinite(expiresHeader) ? expiresHeader : undefined,
      body: typeof message.body === 'string' ? message.body : '',
    };
  } catch {
    return null;
  }
}

function readContacts(message: Core.IncomingMessage): ContactValue[] {
  // sip.js has already split Contact values, one per entry.
  return message.getHeaders('contact').map((raw, idx) => {
    const parsed = message.parseHeader('contact', idx) as
      | {
          uri?: { user?: string; host?: string; port?: number };
          getParam?: (key: string) => string | null | undefined;
        }
      | undefined;
    const expires = Number(parsed?.getParam?.('expires') ?? NaN);
    return {
      raw: raw.trim(),
      user: parsed?.uri?.user,
      host: parsed?.uri?.host ?? '',
      port: parsed?.uri?.port,
      expires: Number.isFinite(expires) ? expires : undefined,
    };
  });
}

/**
 * One Via value read with sip.js's grammar. It is applied to each value alone: given a header
 * line holding several comma-separated values it mixes their parameters. It also records an
 * empty `rport` as nothing, hence the look at the raw text.
 */
function parseVia(raw: string): ViaValue {
  const value = raw.trim();
  const parsed = Core.Grammar.parse(value, 'Via') as
    { host?: string; port?: number; branch?: string; received?: string; rport?: string } | -1;
  const hasRport = /;\s*rport\s*(?:[=;,]|$)/i.test(value);
  if (parsed === -1 || typeof parsed !== 'object' || !parsed.host) {
    return {
      raw: value,
      host: null,
      port: undefined,
      branch: undefined,
      received: undefined,
      rport: undefined,
      hasRport,
    };
  }
  const rport = parsed.rport === undefined || parsed.rport === '' ? NaN : Number(parsed.rport);
  return {
    raw: value,
    host: parsed.host,
    port: parsed.port,
    branch: parsed.branch,
    received: parsed.received,
    rport: Number.isInteger(rport) ? rport : undefined,
    hasRport,
  };
}

/** Splits a header line at commas outside quotes and brackets. */
function splitHeaderValues(line: string): string[] {
  const values: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"' && line[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && (ch === '<' || ch === '[')) depth++;
    else if (!quoted && (ch === '>' || ch === ']')) depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && ch === ',') {
      values.push(line.slice(start, i));
      start = i + 1;
    }
  }
  values.push(line.slice(start));
  return values.map((value) => value.trim()).filter((value) => value !== '');
}

function sameBinding(a: ContactValue, b: ContactValue): boolean {
  return (a.user ?? '') === (b.user ?? '') && sameHost(a.host, b.host) && samePort(a.port, b.port);
}

function sameSentBy(a: ViaValue, b: ViaValue): boolean {
  return sameHost(a.host ?? '', b.host ?? '') && a.port === b.port;
}

function sameHost(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** A SIP URI without a port means 5060 (RFC 3261 §19.1.2). */
function samePort(a: number | undefined, b: number | undefined): boolean {
  return (a ?? 5060) === (b ?? 5060);
}

function sentByOf(via: ViaValue): string {
  return via.port === undefined ? (via.host ?? '') : `${via.host ?? ''}:${via.port}`;
}

function describeChange(ours: ContactValue, theirs: ContactValue): string {
  const changes: string[] = [];
  if (!sameHost(ours.host, theirs.host)) changes.push(`host ${ours.host} → ${theirs.host}`);
  if (!samePort(ours.port, theirs.port)) {
    const to = theirs.port ?? 5060;
    changes.push(`port ${ours.port ?? 5060} → ${to}${to === 5060 ? ', the default SIP port' : ''}`);
  }
  if ((ours.user ?? '') !== (theirs.user ?? '')) {
    changes.push(`user ${ours.user ?? '(none)'} → ${theirs.user ?? '(none)'}`);
  }
  return changes.join(', ');
}

function describeResponse(response: ParsedMessage): string {
  return `${response.statusCode} to ${response.method}`;
}

function readDirection(entry: unknown): 'out' | 'in' | null {
  const direction = (entry as { direction?: unknown } | null)?.direction;
  return direction === 'out' || direction === 'in' ? direction : null;
}

function readAddress(value: unknown): TransportAddress | null {
  const candidate = value as { address?: unknown; port?: unknown } | null | undefined;
  if (typeof candidate?.address !== 'string' || typeof candidate.port !== 'number') return null;
  return { address: candidate.address, port: candidate.port };
}

function formatAddress(address: TransportAddress): string {
  return `${address.address}:${address.port}`;
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/, 1)[0] ?? '').slice(0, 120);
}

/** A message for the evidence, without credentials: fit to paste into a support ticket. */
function excerpt(text: string): string {
  const redacted = redactCredentials(text);
  return redacted.length > MAX_EXCHANGE_CHARS
    ? `${redacted.slice(0, MAX_EXCHANGE_CHARS)}…`
    : redacted;
}

/**
 * Removes the whole value of Authorization and Proxy-Authorization (continuation lines too):
 * the digest response can be attacked offline for the password.
 */
export function redactCredentials(text: string): string {
  const lines = text.split(/\r\n|\n/);
  const out: string[] = [];
  let inCredentials = false;
  for (const line of lines) {
    if (inCredentials && /^[ \t]/.test(line)) continue;
    const match = /^((?:proxy-)?authorization)\s*:/i.exec(line);
    inCredentials = match !== null;
    out.push(match ? `${match[1]}: <redacted>` : line);
  }
  return out.join('\r\n');
}
