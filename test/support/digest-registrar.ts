/**
 * A small registrar and proxy on loopback that checks digest credentials for real (RFC 7616
 * §3.4 computed here with node:crypto, independently of the engine's code): REGISTER is
 * challenged with 401, INVITE with 407, with the challenges a test asks for (several at once,
 * SHA-256, a nonce that goes stale). Every Authorization it receives is kept, and every value
 * derived from the password (the response, HA1) is collected, so tests can look for them in
 * what the app emits.
 */
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

export interface DigestRegistrarOptions {
  user: string;
  password: string;
  realm?: string;
  /** The challenge algorithms, one WWW-/Proxy-Authenticate header each, in this order. */
  algorithms?: string[];
  /**
   * After this many accepted requests, the next authorized one is told its nonce is stale (401
   * with a new nonce); `staleFlag: false` leaves `stale=true` out of that challenge.
   */
  staleAfter?: number;
  staleFlag?: boolean;
  /** The final answer to an authorized INVITE (default 486 Busy Here). */
  inviteAnswer?: string;
}

export interface ReceivedCredentials {
  method: string;
  header: 'Authorization' | 'Proxy-Authorization';
  params: Record<string, string>;
  /** Whether the response matched the password. */
  valid: boolean;
}

export interface DigestRegistrar {
  port: number;
  /** Requests in arrival order, with the credentials they carried (null: none). */
  requests: { method: string; credentials: ReceivedCredentials | null }[];
  /** Responses sent, as status lines with their challenge headers. */
  sent: string[];
  /** The response values and HA1s seen or computed: secrets that must appear nowhere. */
  derivedSecrets(): string[];
  close(): void;
}

const HASH: Record<string, string> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

function parseParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of value.matchAll(/([A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]+)/g)) {
    const raw = match[2]!;
    params[match[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return params;
}

export async function startDigestRegistrar(
  options: DigestRegistrarOptions,
): Promise<DigestRegistrar> {
  const realm = options.realm ?? 'lab.voip.test';
  const algorithms = options.algorithms ?? ['MD5'];
  const socket = dgram.createSocket('udp4');
  const requests: DigestRegistrar['requests'] = [];
  const sent: string[] = [];
  const secrets = new Set<string>();
  let nonces = new Set<string>();
  let accepted = 0;
  let staleSent = false;
  const answered = new Map<string, string>();

  const hashOf = (algorithm: string) => HASH[algorithm.toUpperCase()] ?? 'md5';
  const hex = (algorithm: string, text: string) =>
    createHash(hashOf(algorithm)).update(text).digest('hex');
  for (const algorithm of algorithms) {
    secrets.add(hex(algorithm, `${options.user}:${realm}:${options.password}`));
  }

  const challenge = (name: string, stale: boolean) => {
    const nonce = randomBytes(12).toString('hex');
    nonces.add(nonce);
    return algorithms.map(
      (algorithm) =>
        `${name}: Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=${algorithm}${stale ? ', stale=true' : ''}`,
    );
  };

  const check = (method: string, header: ReceivedCredentials['header'], value: string) => {
    const params = parseParams(value);
    const algorithm = params.algorithm ?? 'MD5';
    const ha1 = hex(algorithm, `${params.username}:${params.realm}:${options.password}`);
    const ha2 = hex(algorithm, `${method}:${params.uri}`);
    const expected = params.qop
      ? hex(algorithm, `${ha1}:${params.nonce}:${params.nc}:${params.cnonce}:${params.qop}:${ha2}`)
      : hex(algorithm, `${ha1}:${params.nonce}:${ha2}`);
    if (params.response) secrets.add(params.response);
    return {
      method,
      header,
      params,
      valid: params.response === expected && nonces.has(params.nonce ?? ''),
    };
  };

  socket.on('message', (datagram, rinfo) => {
    const text = datagram.toString('utf8');
    const method = /^([A-Z]+) sip:/.exec(text)?.[1];
    if (!method || method === 'ACK') return;
    // A retransmission gets the answer its transaction already got (RFC 3261 §17.2.2).
    const branch = /;branch=([^;,\s]+)/.exec(text)?.[1] ?? '';
    const earlier = answered.get(`${branch} ${method}`);
    if (earlier) {
      socket.send(earlier, rinfo.port, rinfo.address);
      return;
    }
    const line = (name: string) => new RegExp(`^${name}:.*$`, 'mi').exec(text)?.[0] ?? '';
    const credentialsHeader = method === 'REGISTER' ? 'Authorization' : 'Proxy-Authorization';
    const value = new RegExp(`^${credentialsHeader}:\\s*(.*)$`, 'mi').exec(text)?.[1];
    const credentials = value ? check(method, credentialsHeader, value) : null;
    requests.push({ method, credentials });
    const challengeName = method === 'REGISTER' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const challengeStatus =
      method === 'REGISTER'
        ? 'SIP/2.0 401 Unauthorized'
        : 'SIP/2.0 407 Proxy Authentication Required';
    let status: string;
    let extra: string[] = [];
    if (method === 'OPTIONS' || method === 'BYE' || method === 'CANCEL') {
      status = 'SIP/2.0 200 OK';
    } else if (!credentials?.valid) {
      status = challengeStatus;
      extra = challenge(challengeName, false);
    } else if (options.staleAfter !== undefined && accepted >= options.staleAfter && !staleSent) {
      staleSent = true;
      nonces = new Set();
      status = challengeStatus;
      extra = challenge(challengeName, options.staleFlag !== false);
    } else {
      accepted += 1;
      if (method === 'REGISTER') {
        status = 'SIP/2.0 200 OK';
        const contact = /^Contact:\s*(.*)$/im.exec(text)?.[1] ?? '';
        const expires = /^Expires:\s*(\d+)/im.exec(text)?.[1] ?? '300';
        extra = [`Contact: ${contact.replace(/;expires=\d+/, '')};expires=${expires}`];
      } else {
        status = options.inviteAnswer ?? 'SIP/2.0 486 Busy Here';
      }
    }
    const via = line('Via').replace(
      /;rport(?=;|$)/,
      `;received=${rinfo.address};rport=${rinfo.port}`,
    );
    const response = [
      status,
      via,
      line('From'),
      /;tag=/.test(line('To')) ? line('To') : `${line('To')};tag=reg${requests.length}`,
      line('Call-ID'),
      line('CSeq'),
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    sent.push([status, ...extra].join('\n'));
    answered.set(`${branch} ${method}`, response);
    socket.send(response, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    port: socket.address().port,
    requests,
    sent,
    derivedSecrets: () => [...secrets],
    close: () => socket.close(),
  };
}
