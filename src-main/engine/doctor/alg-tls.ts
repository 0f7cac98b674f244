/**
 * The doctor's cure for a SIP ALG the user cannot turn off: SIP over TLS. A router's ALG rewrites
 * SIP it can read; inside TLS it reads nothing, so the same account over TLS at the same server
 * reaches voip.ms as sent. The doctor registers a test phone over TLS and places a test call; only
 * audio both ways makes it the recommendation, and when it fails the user is told why.
 */
import type { Account } from '../../../src-shared/domain.js';
import type { DoctorAlgTls } from '../../../src-shared/doctor.js';
import { registrarAddress } from '../../../src-shared/registrar-address.js';
import { describeError } from '../engine-error.js';
import type { EngineOptions } from '../engine-options.js';
import { TestPhone, type TestCallResult } from './test-phone.js';

export const TLS_CURES_ALG =
  "Your router's SIP ALG cannot read encrypted traffic: switch to SIP over TLS.";

export interface AlgTlsOptions {
  account: Account;
  password: string;
  echo: string;
  stunServers: string[];
  /** An extra CA certificate file trusted besides the system's (a lab, a private PBX). */
  tlsCaFile?: string;
  localAddress?: string;
  callSeconds: number;
  ringSeconds: number;
  /** How long registering over TLS may take before it counts as failed (default 15 s). */
  registerSeconds?: number;
}

export const NOT_TRIED: DoctorAlgTls = {
  tried: false,
  server: null,
  registered: false,
  audio: false,
  error: null,
};

/**
 * The server to try over TLS: the same host on the TLS port. A port typed for UDP says nothing
 * about TLS, so the TLS default (5061, voip.ms's at every point of presence) replaces it.
 */
export function tlsServerFor(server: string): string {
  const host = server.trim().replace(/:\d+$/, '');
  return registrarAddress(host, 'tls');
}

/** Registers over TLS and, once registered, calls the echo test; never throws. */
export async function tryTlsAroundAlg(
  options: AlgTlsOptions,
): Promise<{ attempt: DoctorAlgTls; call: TestCallResult | null }> {
  const server = tlsServerFor(options.account.server);
  const settings: Partial<EngineOptions> = {
    sipTransport: 'tls',
    // STUN where there is one: the media still goes over UDP through the router's NAT.
    natStrategy: options.stunServers.length > 0 ? 'stun' : 'none',
    stunServers: options.stunServers,
    ...(options.tlsCaFile ? { tlsCaFile: options.tlsCaFile } : {}),
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  };
  let phone: TestPhone | null = null;
  try {
    phone = new TestPhone(settings);
    const registration = await withDeadline(
      phone.register({ ...options.account, server }, options.password),
      (options.registerSeconds ?? 15) * 1000,
      `no answer over TLS from ${server}`,
    );
    if (registration.state !== 'registered') {
      return {
        attempt: {
          tried: true,
          server,
          registered: false,
          audio: false,
          error: registration.error?.message ?? `registration ${registration.state}`,
        },
        call: null,
      };
    }
    const call = await phone.call(options.echo, options.callSeconds, options.ringSeconds);
    const audio = call.outcome === 'two-way';
    return {
      attempt: {
        tried: true,
        server,
        registered: true,
        audio,
        error: audio
          ? null
          : call.outcome === 'one-way'
            ? `the test call over TLS had one-way audio (${call.rtp.sent} packets sent, ${call.rtp.received} received)`
            : `the test call over TLS was not answered (${call.end?.message ?? 'no reason given'})`,
      },
      call,
    };
  } catch (error) {
    return {
      attempt: {
        tried: true,
        server,
        registered: false,
        audio: false,
        error: describeError(error),
      },
      call: null,
    };
  } finally {
    await phone?.close().catch(() => undefined);
  }
}

/** The ALG step's summary line for the TLS attempt. */
export function tlsAttemptSummary(attempt: DoctorAlgTls): string {
  if (!attempt.tried) return '';
  if (attempt.audio)
    return `over TLS (${attempt.server ?? ''}) it registered and the test call had audio both ways`;
  if (attempt.registered)
    return `over TLS (${attempt.server ?? ''}) it registered, but ${attempt.error ?? 'the test call failed'}`;
  return `over TLS (${attempt.server ?? ''}) it did not register: ${attempt.error ?? 'no reason given'}`;
}

/**
 * What the verdict's notes say when TLS was tried and is not the fix: why, so the user knows
 * the other remedy (turning the ALG off) is the one left, or what to ask voip.ms.
 */
export function tlsAttemptNote(attempt: DoctorAlgTls): string | null {
  if (!attempt.tried || attempt.audio) return null;
  const why = (attempt.error ?? 'no reason given').slice(0, 200);
  return attempt.registered
    ? `SIP over TLS got past the router's SIP ALG, but ${why}: TLS alone is not the fix here.`
    : `SIP over TLS was tried as a way around the SIP ALG and did not register at ${attempt.server ?? 'the server'} (${why}): the account may not have encrypted SIP turned on (voip.ms: "Encrypted SIP Traffic"), or the certificate check failed.`;
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
