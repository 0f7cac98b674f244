import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../../src-main/cli/cli-args.js';

describe('natter CLI arguments', () => {
  it('parses nat with several STUN servers', () => {
    const args = parseCliArgs([
      'nat',
      '--stun',
      'a.example:3478',
      '--stun',
      'b.example:19302',
      '--json',
    ]);
    expect(args).toMatchObject({
      command: 'nat',
      stun: ['a.example:3478', 'b.example:19302'],
      json: true,
    });
  });

  it('parses call with its target and defaults', () => {
    const args = parseCliArgs([
      'call',
      '4443',
      '--server',
      'montreal5.voip.ms',
      '--user',
      '123456_home',
    ]);
    expect(args).toMatchObject({
      command: 'call',
      target: '4443',
      server: 'montreal5.voip.ms',
      user: '123456_home',
      seconds: 5,
      noStun: false,
      localPort: 0,
    });
  });

  it('parses listen with --answer, --no-stun and --keepalive', () => {
    const args = parseCliArgs([
      'listen',
      '--server',
      '10.0.0.1:5070',
      '--user',
      '123456_desk',
      '--answer',
      '--no-stun',
      '--keepalive',
      '10',
      '--seconds',
      '90',
      '--no-follow-registrar',
    ]);
    expect(args).toMatchObject({
      command: 'listen',
      answer: true,
      noStun: true,
      keepalive: 10,
      seconds: 90,
      followRegistrar: false,
    });
  });

  it('parses listen --dnd (486) and --dnd-forward NUMBER (302), the number dialled as the dialer would', () => {
    const base = ['listen', '--server', '10.0.0.1', '--user', 'u'];
    expect(parseCliArgs(base)).toMatchObject({ doNotDisturb: null });
    expect(parseCliArgs([...base, '--dnd'])).toMatchObject({ doNotDisturb: { forwardTo: null } });
    expect(parseCliArgs([...base, '--dnd-forward', '(514) 555-0123'])).toMatchObject({
      doNotDisturb: { forwardTo: '15145550123' },
    });
    expect(parseCliArgs([...base, '--dnd-forward', '*97'])).toMatchObject({
      doNotDisturb: { forwardTo: '*97' },
    });
    expect(() => parseCliArgs([...base, '--dnd-forward', 'nowhere'])).toThrow(UsageError);
    expect(() => parseCliArgs([...base, '--dnd', '--answer'])).toThrow(/drop --answer/);
    expect(() =>
      parseCliArgs(['call', '4443', '--server', '10.0.0.1', '--user', 'u', '--dnd']),
    ).toThrow(/for listen/);
  });

  it('parses listen --answer-all, which answers every call at once', () => {
    const args = parseCliArgs(['listen', '--server', '10.0.0.1', '--user', 'u', '--answer-all']);
    expect(args).toMatchObject({ command: 'listen', answer: false, answerAll: true });
    expect(parseCliArgs(['listen', '--server', '10.0.0.1', '--user', 'u'])).toMatchObject({
      answerAll: false,
    });
  });

  it('parses --binding-lifetime and --media-keepalive, leaving the keepalive automatic', () => {
    const args = parseCliArgs([
      'call',
      '4443',
      '--server',
      'x.voip.ms',
      '--user',
      'u',
      '--binding-lifetime',
      '12',
      '--media-keepalive',
      '0',
    ]);
    expect(args).toMatchObject({ keepalive: undefined, bindingLifetime: 12, mediaKeepalive: 0 });
    expect(() =>
      parseCliArgs(['call', '4443', '--server', 'x', '--user', 'u', '--binding-lifetime', '0']),
    ).toThrow(/1–3600/);
  });

  it('watches the network by default; --no-network-watch leaves a move to the keepalive', () => {
    const base = ['listen', '--server', '10.0.0.1', '--user', 'u'];
    expect(parseCliArgs(base)).toMatchObject({ networkWatch: true });
    expect(parseCliArgs([...base, '--no-network-watch'])).toMatchObject({ networkWatch: false });
  });

  it('binds to --local-address when given, and refuses what is not an IPv4 address', () => {
    const base = ['listen', '--server', '10.0.0.1', '--user', 'u'];
    expect(parseCliArgs(base)).toMatchObject({ localAddress: undefined });
    expect(parseCliArgs([...base, '--local-address', '192.168.50.2'])).toMatchObject({
      localAddress: '192.168.50.2',
    });
    expect(() => parseCliArgs([...base, '--local-address', '192.168.50.256'])).toThrow(/IPv4/);
    expect(() => parseCliArgs([...base, '--local-address', 'eth0'])).toThrow(/IPv4/);
  });

  it.each([
    [['call', '--server', 'x.voip.ms', '--user', 'u'], /TARGET/],
    [['call', '4443', '--user', 'u'], /--server/],
    [['call', '4443', '--server', 'x.voip.ms'], /--user/],
    [['call', '4443', '--server', 'x.voip.ms:99999', '--user', 'u'], /port/],
    [['call', '4443', '--server', 'bad host', '--user', 'u'], /HOST/],
    [['nat', '--stun', 'a:0'], /port/],
    [['nat', '--local-port', 'seventy'], /whole number/],
    [['nat', '--local-port', '70000'], /0–65535/],
    [['call', '4443', '--server', 'x', '--user', 'u', '--password', 'hunter2'], /NATTER_PASSWORD/],
    [['call', '4443', '--server', 'x', '--user', 'u', '--stun', 'a:1', '--no-stun'], /contradict/],
    [['dial', '4443'], /unknown command/],
    [['nat', '--bogus'], /bogus/],
    [['call', '44;43', '--server', 'x', '--user', 'u'], /TARGET/],
    [['doctor', '--server', 'x', '--user', 'u', '--turn', 't:3478'], /go together/],
    [['doctor', '--server', 'x', '--user', 'u', '--echo', '44;43'], /--echo/],
    [['doctor', '--server', 'x', '--user', 'u', '--no-stun'], /with and without STUN/],
    [['doctor', '--user', 'u'], /--server/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });

  it('parses doctor with its contract flags and defaults', () => {
    expect(
      parseCliArgs(['doctor', '--server', 'montreal5.voip.ms', '--user', '123456_home']),
    ).toEqual({
      command: 'doctor',
      json: false,
      server: 'montreal5.voip.ms',
      user: '123456_home',
      stun: [],
      turn: null,
      echo: '4443',
      full: false,
      apply: false,
      settingsFile: undefined,
      ringSeconds: undefined,
    });
    const args = parseCliArgs([
      'doctor',
      '--server',
      'montreal5.voip.ms:5080',
      '--user',
      '123456_home',
      '--stun',
      'a.example:3478',
      '--stun',
      'b.example:3478',
      '--turn',
      'turn.example:3478',
      '--turn-user',
      'alice',
      '--echo',
      '*43',
      '--full',
      '--apply',
      '--json',
    ]);
    expect(args).toMatchObject({
      command: 'doctor',
      stun: ['a.example:3478', 'b.example:3478'],
      turn: { server: 'turn.example:3478', user: 'alice' },
      echo: '*43',
      full: true,
      apply: true,
      json: true,
    });
  });

  it('takes one NAT strategy for call and listen, auto by default', () => {
    const account = ['--server', 'montreal5.voip.ms', '--user', '123456_home'];
    expect(parseCliArgs(['call', '4443', ...account])).toMatchObject({ natStrategy: 'auto' });
    expect(parseCliArgs(['call', '4443', ...account, '--nat-strategy', 'portmap'])).toMatchObject({
      natStrategy: 'portmap',
    });
    expect(parseCliArgs(['listen', ...account, '--nat-strategy', 'none'])).toMatchObject({
      natStrategy: 'none',
    });
    expect(() => parseCliArgs(['call', '4443', ...account, '--nat-strategy', 'upnp'])).toThrow(
      /--nat-strategy upnp: expected auto, none, stun, turn, portmap/,
    );
    expect(() =>
      parseCliArgs(['call', '4443', ...account, '--nat-strategy', 'stun', '--no-stun']),
    ).toThrow(UsageError);
    expect(() => parseCliArgs(['doctor', ...account, '--nat-strategy', 'stun'])).toThrow(
      /doctor tries each NAT strategy itself/,
    );
  });

  it('takes --srtp off|optional|required for call and listen, off by default', () => {
    const account = ['--server', 'montreal5.voip.ms', '--user', '123456_home'];
    expect(parseCliArgs(['call', '4443', ...account])).toMatchObject({ srtp: 'off' });
    expect(parseCliArgs(['call', '4443', ...account, '--srtp', 'required'])).toMatchObject({
      srtp: 'required',
    });
    expect(parseCliArgs(['listen', ...account, '--srtp', 'optional'])).toMatchObject({
      srtp: 'optional',
    });
    expect(() => parseCliArgs(['call', '4443', ...account, '--srtp', 'mandatory'])).toThrow(
      UsageError,
    );
    expect(() => parseCliArgs(['call', '4443', ...account, '--srtp', 'yes'])).toThrow(
      /--srtp yes: expected off, optional, required/,
    );
  });

  it('never echoes a password given on the command line', () => {
    try {
      parseCliArgs(['listen', '--server', 'x', '--user', 'u', '--password', 'hunter2']);
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('takes --transport udp|tcp|tls (udp by default) and --ca FILE with TLS only', () => {
    const account = ['--server', 'atlanta1.voip.ms', '--user', '123456_home'];
    expect(parseCliArgs(['call', '4443', ...account])).toMatchObject({
      transport: 'udp',
      caFile: undefined,
    });
    expect(
      parseCliArgs(['listen', ...account, '--transport', 'tls', '--ca', 'lab-ca.pem']),
    ).toMatchObject({ transport: 'tls', caFile: 'lab-ca.pem' });
    expect(parseCliArgs(['call', '4443', ...account, '--transport', 'tcp'])).toMatchObject({
      transport: 'tcp',
    });
    expect(() => parseCliArgs(['call', '4443', ...account, '--transport', 'sctp'])).toThrow(
      /--transport sctp: expected udp, tcp or tls/,
    );
    expect(() => parseCliArgs(['call', '4443', ...account, '--ca', 'lab-ca.pem'])).toThrow(
      /--ca FILE is for TLS/,
    );
    expect(() => parseCliArgs(['call', '4443', ...account, '--transport', 'TLS'])).toThrow(
      UsageError,
    );
  });
});
