import type { CallInfo, NatStatus, Registration } from '../../src-shared/domain.js';
import type { AudioSource } from '../media/rtp-session.js';
import { ToneDetector, ToneGenerator } from '../media/tone.js';
import { DEFAULT_STUN_SERVERS, type EngineOptions } from '../engine/engine-options.js';
import { DEFAULT_INCOMING_CALL_LIMIT } from '../sip/invite-admission.js';
import { NatterEngine } from '../engine/natter-engine.js';
import type { SessionArgs } from './cli-args.js';
import type { CliOutput } from './cli-output.js';

/** The test tone the CLI sends, and the one it listens for in what comes back. */
export const TEST_TONE_HZ = 1000;

export interface CliSession {
  engine: NatterEngine;
  registration: Registration;
  nat: NatStatus | null;
  /** Frames of received audio in which the test tone was heard, per call. */
  toneFrames(callId: string): number;
  close(): Promise<void>;
}

/** Reads a password from the environment: never from the command line, never logged. */
function passwordFromEnvironment(name = 'NATTER_PASSWORD'): string | null {
  const password = process.env[name];
  return password && password.length > 0 ? password : null;
}

/**
 * Opens the engine on the account given on the command line and registers; null (after saying
 * why) when no password is set in the environment.
 */
export async function openCliSession(
  args: SessionArgs,
  out: CliOutput,
  /** What one command adds to the engine's options (listen: do not disturb). */
  commandOptions: Partial<EngineOptions> = {},
): Promise<CliSession | null> {
  const password = passwordFromEnvironment();
  if (!password) {
    out.failure('set the SIP password in the environment variable NATTER_PASSWORD');
    return null;
  }
  let turn: { server: string; username: string; password: string } | null = null;
  if (args.turn) {
    const turnPassword = passwordFromEnvironment('NATTER_TURN_PASSWORD');
    if (!turnPassword) {
      out.failure('set the TURN password in the environment variable NATTER_TURN_PASSWORD');
      return null;
    }
    turn = { server: args.turn.server, username: args.turn.user, password: turnPassword };
  }
  const detectors = new Map<string, ToneDetector>();
  const engine = new NatterEngine(
    {
      turn,
      turnPolicy: args.turnPolicy,
      rescueOneWayAudio: !args.noRescue,
      natStrategy: args.natStrategy,
      stunServers: args.noStun ? [] : args.stun.length > 0 ? args.stun : DEFAULT_STUN_SERVERS,
      localSipPort: args.localPort,
      failoverServers: args.failover,
      ...(args.keepalive === undefined ? {} : { keepaliveSeconds: args.keepalive }),
      advertiseRtcp: args.rtcpMapping,
      mediaEncryption: args.srtp,
      dtmfMethod: args.dtmfMethod,
      ...(args.codecOrder === undefined ? {} : { codecOrder: args.codecOrder }),
      ...(args.bindingLifetime === undefined
        ? {}
        : { bindingLifetimeSeconds: args.bindingLifetime }),
      ...(args.mediaKeepalive === undefined ? {} : { mediaKeepaliveSeconds: args.mediaKeepalive }),
      contactFollowsRegistrar: args.followRegistrar,

      ...(args.networkWatch ? {} : { networkWatchMs: 0 }),
      ...(args.localAddress === undefined ? {} : { localAddress: args.localAddress }),
      sipTransport: args.transport,
      tlsCaFile: args.caFile ?? null,
      ...(args.voicemailExpires === undefined
        ? {}
        : { voicemailSubscribeSeconds: args.voicemailExpires }),
      ...(args.voicemailRetry === undefined ? {} : { voicemailRetrySeconds: args.voicemailRetry }),
      ...(args.maxCallRate === undefined
        ? {}
        : {
            incomingCallLimit: {
              ...DEFAULT_INCOMING_CALL_LIMIT,
              perSecond: args.maxCallRate,
              burst: Math.max(DEFAULT_INCOMING_CALL_LIMIT.burst, args.maxCallRate),
            },
          }),
      ...commandOptions,
    },
    {
      audioSourceFor: (): AudioSource => {
        const tone = new ToneGenerator({ frequency: args.toneHz ?? TEST_TONE_HZ });
        return () => tone.next();
      },
      onCallAudio: (callId, frame) => {
        let detector = detectors.get(callId);
        if (!detector) {
          detector = new ToneDetector({ frequency: args.toneHz ?? TEST_TONE_HZ });
          detectors.set(callId, detector);
        }
        detector.push(frame);
      },
      log: (level, message) => {
        if (level === 'warn' || level === 'error') out.progress(`${level}: ${message}`);
      },
    },
  );
  out.progress(`Registering ${args.user} at ${args.server}...`);
  const registration = await engine.invoke('register', {
    account: {
      server: args.server,
      user: args.user,
      ...(args.displayName === undefined ? {} : { displayName: args.displayName }),
      ...(args.expires === undefined ? {} : { expiresSeconds: args.expires }),
    },
    password,
  });
  return {
    engine,
    registration,
    nat: engine.natStatus,
    toneFrames: (callId) => detectors.get(callId)?.toneFrames ?? 0,
    close: () => engine.shutdown(),
  };
}

/** True when a call was answered and RTP flowed one way only: the evidence of a NAT problem. */
export function isOneWay(call: CallInfo): boolean {
  if (!call.answeredAt) return false;
  const { packetsSent, packetsReceived } = call.stats;
  return (packetsSent > 0 && packetsReceived === 0) || (packetsReceived > 0 && packetsSent === 0);
}

export function oneWayExplanation(call: CallInfo): string {
  const { packetsSent, packetsReceived } = call.stats;
  const ours = call.localMedia ? `${call.localMedia.connection}:${call.localMedia.audioPort}` : '?';
  const theirs = call.remoteMedia
    ? `${call.remoteMedia.connection}:${call.remoteMedia.audioPort}`
    : '?';
  return packetsReceived === 0
    ? `one-way audio: sent ${packetsSent} RTP packets to ${theirs} but received none at ${ours}; the provider cannot reach the address in our SDP (try STUN, or check SIP ALG)`
    : `one-way audio: received ${packetsReceived} RTP packets but sent none`;
}
