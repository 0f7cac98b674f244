import dgram from 'node:dgram';
import { Registerer, UserAgent } from 'sip.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveEngineOptions } from '../../../src-main/engine/engine-options.js';
import { SipAccount } from '../../../src-main/engine/sip-account.js';
import { clampNetworkSeconds } from '../../../src-main/net/network-durations.js';
import { boundRegistererDurations } from '../../../src-main/sip/registerer-durations.js';
import { UdpTransport } from '../../../src-main/sip/udp-transport.js';
import { FakeEndpoint } from '../../support/fake-endpoint.js';

const HUGE = 2 ** 40;

describe('clampNetworkSeconds', () => {
  it('bounds each kind by its RFC range and never returns more than a timer can hold', () => {
    expect(clampNetworkSeconds('registration-expires', HUGE)).toBe(86_400);
    expect(clampNetworkSeconds('registration-expires', 0)).toBe(5);
    expect(clampNetworkSeconds('registration-expires', 300)).toBe(300);
    expect(clampNetworkSeconds('registration-expires', Number.NaN)).toBe(3600);
    expect(clampNetworkSeconds('min-expires', Infinity)).toBe(86_400);
    expect(clampNetworkSeconds('invite-expires', HUGE)).toBe(3600);
    expect(clampNetworkSeconds('turn-lifetime', 0xffffffff)).toBe(3600);
    expect(clampNetworkSeconds('turn-lifetime', 0)).toBe(0);
    for (const kind of [
      'registration-expires',
      'min-expires',
      'invite-expires',
      'turn-lifetime',
    ] as const) {
      expect(clampNetworkSeconds(kind, HUGE) * 1000).toBeLessThan(2 ** 31 - 1);
    }
  });
});

describe('boundRegistererDurations', () => {
  afterEach(() => vi.useRealTimers());

  function registererWithCountedRefreshes(bound: boolean) {
    const userAgent = new UserAgent({
      uri: UserAgent.makeURI('sip:u@example.net'),
      logBuiltinEnabled: false,
      transportConstructor: class extends UdpTransport {
        constructor(logger: unknown) {
          super(logger, {
            endpoint: new FakeEndpoint(),
            server: { address: '192.0.2.1', port: 5060 },
          });
        }
      },
    });
    const registerer = new Registerer(userAgent, { expires: 300, refreshFrequency: 85 });
    if (bound) boundRegistererDurations(registerer);
    const refreshes = vi.spyOn(registerer, 'register').mockResolvedValue(undefined as never);
    // What sip.js calls with the Expires of the registrar's 2xx.
    const registered = (registerer as unknown as { registered(expires: number): void }).registered;
    return {
      registerer,
      refreshes,
      registered: (expires: number) => registered.call(registerer, expires),
    };
  }

  it('refreshes a 2^40 s grant at 85 % of the clamped day, not at once', () => {
    vi.useFakeTimers();
    const { refreshes, registered } = registererWithCountedRefreshes(true);
    registered(HUGE);
    vi.advanceTimersByTime(1000);
    expect(refreshes).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0.85 * 86_400_000 - 1000 - 1);
    expect(refreshes).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(refreshes).toHaveBeenCalledTimes(1);
  });

  it('control: sip.js alone refreshes a 2^40 s grant at once (the timer overflows)', () => {
    vi.useFakeTimers();
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { refreshes, registered } = registererWithCountedRefreshes(false);
    registered(HUGE);
    vi.advanceTimersByTime(5);
    expect(refreshes).toHaveBeenCalledTimes(1);
    warnings.mockRestore();
  });

  it('asks for a bounded interval after a 423 with a huge or bogus Min-Expires', () => {
    const { registerer } = registererWithCountedRefreshes(true);
    const internals = registerer as unknown as { expires: number };
    expect(internals.expires).toBe(300);
    internals.expires = Number('1099511627776');
    expect(internals.expires).toBe(86_400);
    internals.expires = Number('soon');
    expect(internals.expires).toBe(3600);
  });
});

/** What a loopback registrar answers a REGISTER: its status line and one header of its own. */
interface RegistrarAnswer {
  status: string;
  /** Given the Contact registered, e.g. `Contact: <…>;expires=600` or `Min-Expires: 600`. */
  header(contact: string): string;
}

const GRANTED = (expires: number): RegistrarAnswer => ({
  status: 'SIP/2.0 200 OK',
  header: (contact) => `Contact: ${contact};expires=${expires}`,
});
const TOO_BRIEF: RegistrarAnswer = {
  status: 'SIP/2.0 423 Interval Too Brief',
  header: () => 'Min-Expires: 600',
};

/** A SipAccount registering at a registrar on loopback that answers the nth REGISTER `answer(n)`. */
async function accountAtRegistrar(answer: (index: number) => RegistrarAnswer) {
  const socket = dgram.createSocket('udp4');
  const registers: string[] = [];
  socket.on('message', (message, peer) => {
    const text = message.toString();
    if (!text.startsWith('REGISTER ')) return;
    const { status, header } = answer(registers.length);
    registers.push(text);
    const line = (name: string) => new RegExp(`^${name}:.*$`, 'im').exec(text)?.[0] ?? '';
    const contact = /^Contact:\s*(<[^>]*>)/im.exec(text)?.[1] ?? '';
    const response = [
      status,
      line('Via'),
      line('From'),
      `${line('To')};tag=reg`,
      line('Call-ID'),
      line('CSeq'),
      header(contact),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const account = await SipAccount.open(
    { server: `127.0.0.1:${socket.address().port}`, user: '123456_home' },
    'secret',
    resolveEngineOptions({
      localAddress: '127.0.0.1',
      stunServers: [],
      keepaliveSeconds: 0,
      sipTimers: { t1: 100, t2: 400 },
    }),
    {
      onRegistration: () => undefined,
      onNatStatus: () => undefined,
      onInvite: () => undefined,
      createMedia: () => {
        throw new Error('no calls here');
      },
    },
  );
  return {
    account,
    registers,
    close: async () => {
      await account.close();
      socket.close();
    },
  };
}

describe('SipAccount against a registrar granting expires=2^40', () => {
  it('registers once and does not re-REGISTER in a loop', async () => {
    const registrar = await accountAtRegistrar(() => GRANTED(HUGE));
    try {
      const registration = await registrar.account.register();
      expect(registration.state, JSON.stringify(registration.error)).toBe('registered');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(registrar.registers).toHaveLength(1);
    } finally {
      await registrar.close();
    }
  });
});

describe('SipAccount against a registrar answering 423 Interval Too Brief', () => {
  it('registers with the Min-Expires asked for, and says so at once', async () => {
    const registrar = await accountAtRegistrar((index) => (index === 0 ? TOO_BRIEF : GRANTED(600)));
    try {
      const started = Date.now();
      const registration = await registrar.account.register();
      expect(registration.state, JSON.stringify(registration.error)).toBe('registered');
      // Not after the guard against silence (64·T1 + 2 s = 8.4 s here).
      expect(Date.now() - started).toBeLessThan(3000);
      expect(registrar.registers).toHaveLength(2);
      expect(registrar.registers[1]).toMatch(/expires=600/i);
    } finally {
      await registrar.close();
    }
  });

  it('gives up, in plain words, on one that refuses every interval, instead of asking forever', async () => {
    const registrar = await accountAtRegistrar(() => TOO_BRIEF);
    try {
      const registration = await registrar.account.register();
      expect(registration.state).toBe('failed');
      expect(registration.error?.code).toBe('interval-too-brief');
      expect(registration.error?.message).toMatch(/423 Interval Too Brief/);
      const asked = registrar.registers.length;
      expect(asked).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(registrar.registers).toHaveLength(asked);
    } finally {
      await registrar.close();
    }
  });
});
