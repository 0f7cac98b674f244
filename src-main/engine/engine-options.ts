import { DEFAULT_INCOMING_CALL_LIMIT, type IncomingCallLimit } from '../sip/invite-admission.js';
import type { NatSettings, NatStrategyId } from '../nat/index.js';
import type { SipTimers } from '../sip/sip-timers.js';
import type { DtmfMethod, MediaEncryption, SipTransport } from '../../src-shared/domain.js';
import { DEFAULT_CODEC_ORDER, type CodecName } from '../../src-shared/codec-order.js';

/** When a call's media goes through the TURN relay. */
export type TurnPolicy = 'never' | 'symmetric' | 'always';

/** The engine's settings. Defaults live in {@link DEFAULT_ENGINE_OPTIONS}; stored settings override. */
export interface EngineOptions {
  /** STUN servers as `host[:port]`, asked in parallel; empty disables STUN. */
  stunServers: string[];
  /** Whether STUN may be used; off keeps the list but gives no NAT help. */
  stunEnabled: boolean;
  /** One NAT strategy for the Contact and every call, or `auto`: chosen by the policy below. */
  natStrategy: NatStrategyId | 'auto';
  /** Local UDP port of the SIP socket; 0 picks a free port. */
  localSipPort: number;
  /** Local address to bind sockets to; all interfaces by default. */
  localAddress: string;
  /**
   * Seconds between keepalives on the SIP socket as the user set them; 0 disables them; null
   * (the default) follows {@link bindingLifetimeSeconds}, see keepalive-interval.ts.
   */
  keepaliveSeconds: number | null;
  /** The router's idle UDP mapping lifetime as last measured (the doctor's lower bound); null if unknown. */
  bindingLifetimeSeconds: number | null;
  /**
   * Seconds between RFC 6263 keepalives on a call's RTP socket while it sends no audio (on hold,
   * muted); 0 disables them; null (the default) follows the SIP keepalive, at most 15 s.
   */
  mediaKeepaliveSeconds: number | null;
  /** Registration lifetime asked of the registrar, in seconds. */
  registerExpiresSeconds: number;
  /** A call never waits longer than this for STUN before it goes out with the best address known. */
  stunDeadlineMs: number;
  /** STUN initial retransmission timeout (RFC 5389 §7.2.1). */
  stunRtoMs: number;
  /** RFC 3261 timers for UDP. */
  sipTimers: SipTimers;
  /** User-Agent header. */
  userAgentString: string;
  /** Accept SIP requests and responses only from the registrar's address (no "ghost calls"). */
  acceptSipFromServerOnly: boolean;
  /** A TURN relay (RFC 8656) for networks STUN cannot fix; none by default. */
  turn: { server: string; username: string; password: string } | null;
  /** Relay calls never, only behind a symmetric NAT (the default), or always. */
  turnPolicy: TurnPolicy;
  /**
   * Tell the other side where our RTCP arrives: the RTCP socket's public mapping (RFC 3605
   * `a=rtcp`) and an offer of RTCP on the RTP port (RFC 5761 `a=rtcp-mux`). Off, the SDP only
   * implies RTP port + 1, which a NAT that remaps ports does not keep.
   */
  advertiseRtcp: boolean;
  /**
   * Rescue one-way audio mid-call: re-INVITE with a refreshed STUN mapping, then the TURN relay
   * where the policy allows one.
   */
  rescueOneWayAudio: boolean;
  /**
   * Refuse every incoming call with 486 Busy Here (or forward it, see doNotDisturbForwardTo),
   * before it rings or takes a socket.
   */
  doNotDisturb: boolean;
  /** Answer a ringing call by itself after this many seconds (not a waiting one); 0: never. */
  autoAnswerSeconds: number;
  /** How keypad digits go out: see {@link DtmfMethod}. */
  dtmfMethod: DtmfMethod;
  /**
   * Seconds between the 180 Ringing an incoming call repeats while it rings: RFC 3261 §13.3.1.1
   * asks for one every minute, or a proxy may give up on the call after 3 minutes without an
   * answer (a waiting call rings that long). 0 sends only the first; tests shorten it.
   */
  ringingRefreshSeconds: number;
  /**
   * Servers that may take the registration when the configured one stops answering (the nearest
   * answering one wins); empty keeps the phone on the configured server.
   */
  failoverServers: string[];
  /**
   * Let the registrar's view of our address (Via received/rport, RFC 3581) win over STUN for the
   * Contact. Off only to show what a symmetric NAT does without it.
   */
  contactFollowsRegistrar: boolean;
  /**
   * Milliseconds between looks at the interfaces and the route toward the registrar, which
   * notice a move to another network; 0 leaves a move to the next keepalive's STUN re-check.
   */
  networkWatchMs: number;
  /**
   * New incoming calls allowed to ring: at most `perSecond` (bursts of `burst`) from all callers,
   * and a caller whose call went unanswered once per `callerWindowMs`; the rest are refused
   * before they cost a session.
   */
  incomingCallLimit: IncomingCallLimit;
  /** How SIP reaches the registrar; TLS verifies the server's certificate and name. */
  sipTransport: SipTransport;
  /** An extra CA certificate file (PEM) trusted besides the system's, for a lab or a private PBX. */
  tlsCaFile: string | null;
  /** SRTP for calls' audio: off, when the far end takes it, or required. */
  mediaEncryption: MediaEncryption;
  /**
   * Voicemail: the Expires of the message-summary SUBSCRIBE (RFC 3842) once registered; 0 sends
   * none (the provider's unasked NOTIFYs are still read). Then the first wait before subscribing
   * again after the subscription failed or ended.
   */
  voicemailSubscribeSeconds: number;
  voicemailRetrySeconds: number;
  /** Voice codecs offered, in order of preference; among an offer's, the first of these wins. */
  codecOrder: CodecName[];
  /**
   * Do not disturb: the number incoming calls are forwarded to (302 Moved Temporarily) instead of
   * refused 486; null refuses them busy.
   */
  doNotDisturbForwardTo: string | null;
}

export const DEFAULT_STUN_SERVERS = ['stun.l.google.com:19302', 'global.stun.twilio.com:3478'];

export const DEFAULT_ENGINE_OPTIONS: Required<EngineOptions> = {
  stunServers: DEFAULT_STUN_SERVERS,
  stunEnabled: true,
  natStrategy: 'auto',
  localSipPort: 0,
  localAddress: '0.0.0.0',
  keepaliveSeconds: null,
  bindingLifetimeSeconds: null,
  mediaKeepaliveSeconds: null,
  registerExpiresSeconds: 300,
  stunDeadlineMs: 1500,
  stunRtoMs: 500,
  sipTimers: { t1: 500, t2: 4000 },
  userAgentString: 'Natter/0.1',
  acceptSipFromServerOnly: true,
  turn: null,
  turnPolicy: 'symmetric',
  advertiseRtcp: true,
  rescueOneWayAudio: true,
  doNotDisturb: false,
  autoAnswerSeconds: 0,
  dtmfMethod: 'auto',
  ringingRefreshSeconds: 60,
  failoverServers: [],
  contactFollowsRegistrar: true,
  networkWatchMs: 1000,
  incomingCallLimit: DEFAULT_INCOMING_CALL_LIMIT,
  sipTransport: 'udp',
  tlsCaFile: null,
  mediaEncryption: 'off',
  // Voicemail (message-summary subscription).
  voicemailSubscribeSeconds: 1800,
  voicemailRetrySeconds: 30,
  codecOrder: [...DEFAULT_CODEC_ORDER],
  // Do not disturb: busy unless a number is given.
  doNotDisturbForwardTo: null,
};

export function resolveEngineOptions(overrides: Partial<EngineOptions> = {}): EngineOptions {
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined),
  ) as Partial<EngineOptions>;
  return { ...DEFAULT_ENGINE_OPTIONS, ...defined };
}

/** The part of the settings the NAT strategies read. */
export function natSettingsOf(options: EngineOptions): NatSettings {
  return {
    stunServers: options.stunServers,
    stunEnabled: options.stunEnabled,
    stunDeadlineMs: options.stunDeadlineMs,
    stunRtoMs: options.stunRtoMs,
    turn: options.turn,
    turnPolicy: options.turnPolicy,
    natStrategy: options.natStrategy,
  };
}
