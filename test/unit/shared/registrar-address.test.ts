import { describe, expect, it } from 'vitest';
import {
  defaultSipPort,
  registrarAddress,
  registrarPort,
  splitHostPort,
} from '../../../src-shared/registrar-address.js';
import { parseServerSpec } from '../../../src-main/engine/server-address.js';
import { VOIPMS_SERVERS } from '../../../src-shared/settings.js';

describe('the registrar port', () => {
  it('is 5061 for TLS and 5060 for UDP and TCP when no port is typed', () => {
    expect(defaultSipPort('tls')).toBe(5061);
    expect(defaultSipPort('tcp')).toBe(5060);
    expect(defaultSipPort('udp')).toBe(5060);
    expect(registrarPort('montreal.voip.ms', 'tls')).toBe(5061);
    expect(registrarPort('montreal.voip.ms', 'tcp')).toBe(5060);
    expect(registrarPort('montreal.voip.ms', 'udp')).toBe(5060);
  });

  it('is 5061 over TLS at every voip.ms point of presence, numbered ones too', () => {
    for (const pop of [...VOIPMS_SERVERS, 'montreal5.voip.ms', 'atlanta1.voip.ms']) {
      expect(registrarAddress(pop, 'tls'), pop).toBe(`${pop}:5061`);
    }
  });

  it('is the port the user typed, whatever the transport', () => {
    expect(registrarPort('pbx.example.net:5080', 'tls')).toBe(5080);
    expect(registrarPort('10.0.0.1:5061', 'udp')).toBe(5061);
    expect(registrarAddress(' pbx.example.net:5080 ', 'tcp')).toBe('pbx.example.net:5080');
    expect(registrarAddress('10.0.0.1', 'tls')).toBe('10.0.0.1:5061');
  });

  it('falls back to the default when the typed port is out of range', () => {
    expect(registrarPort('pbx.example.net:0', 'tls')).toBe(5061);
    expect(registrarPort('pbx.example.net:70000', 'udp')).toBe(5060);
  });
});

describe('one reader of a server field for the app, the engine and the CLI', () => {
  it('splits host and typed port, and refuses what is neither a name nor an address', () => {
    expect(splitHostPort(' montreal.voip.ms:5080 ')).toEqual({
      host: 'montreal.voip.ms',
      portText: '5080',
    });
    expect(splitHostPort('10.0.0.1')).toEqual({ host: '10.0.0.1', portText: null });
    for (const bad of ['', 'sip:montreal.voip.ms', 'host:port', 'a b', 'host:']) {
      expect(splitHostPort(bad), bad).toBeNull();
    }
  });

  it('gives the engine the host and port, with a reason for each kind of bad field', () => {
    expect(parseServerSpec('pbx.example.net:5080')).toEqual({
      host: 'pbx.example.net',
      port: 5080,
    });
    expect(parseServerSpec('pbx.example.net', 5061)).toEqual({
      host: 'pbx.example.net',
      port: 5061,
    });
    expect(() => parseServerSpec('sip:pbx')).toThrow(/not a host or host:port/);
    expect(() => parseServerSpec('pbx.example.net:70000')).toThrow(
      /70000 is not between 1 and 65535/,
    );
  });
});
