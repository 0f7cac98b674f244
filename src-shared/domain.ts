/**
 * Domain types of the Natter engine, shared by the main process, the CLI, the preload and the
 * renderer. Each type is derived from its runtime schema so that what crosses a process boundary
 * is checked against the very definition the code is typed with.
 */
import { z } from 'zod';

export const portSchema = z.number().int().min(1).max(65535);

/** An IPv4 transport address as seen on the wire. */
export const transportAddressSchema = z.object({
  address: z.string().min(1),
  port: z.number().int().min(0).max(65535),
});
export type TransportAddress = z.infer<typeof transportAddressSchema>;

/**
 * NAT type as far as a softphone needs it (RFC 4787 mapping behaviour):
 * - `open`: the mapped address is the local address, no NAT;
 * - `cone`: endpoint-independent mapping, the same public port toward every server;
 * - `symmetric`: the public port depends on the destination, STUN alone cannot help;
 * - `blocked`: no STUN server answered;
 * - `unknown`: only one server answered, so mapping behaviour could not be compared.
 */
export const natTypeSchema = z.enum(['open', 'cone', 'symmetric', 'blocked', 'unknown']);
export type NatType = z.infer<typeof natTypeSchema>;

/** What one STUN server said about the socket that asked it. */
export const stunServerResultSchema = z.object({
  server: z.string(),
  mapped: transportAddressSchema.nullable(),
  rttMs: z.number().nonnegative().nullable(),
  error: z.string().optional(),
});
export type StunServerResult = z.infer<typeof stunServerResultSchema>;

/** Where the public address put into Contact and SDP came from. */
export const addressSourceSchema = z.enum(['stun', 'local', 'registrar']);
export type AddressSource = z.infer<typeof addressSourceSchema>;

/** A TURN relay as a call or the NAT panel sees it (RFC 8656). */
export const relayStatusSchema = z.object({
  server: z.string(),
  state: z.enum(['allocated', 'failed', 'closed']),
  /** The relayed address the SDP carries; null when allocation failed. */
  relayed: transportAddressSchema.nullable(),
  rttMs: z.number().nonnegative().nullable(),
  /** Why relaying failed, in words; null when it works. */
  error: z.string().nullable(),
});
export type RelayStatus = z.infer<typeof relayStatusSchema>;

/**
 * The last change of network the engine noticed (another router, another address) and how
 * healing it went:
 * ```
 *  reconnecting ──► recovered   (registered again, calls re-INVITEd with their new address)
 *       └─────────► failed      (the registrar did not take the new address; the next change
 *                                or refresh tries again)
 * ```
 */
export const networkChangeSchema = z.object({
  /** ISO 8601 time the change was noticed. */
  at: z.string(),
  state: z.enum(['reconnecting', 'recovered', 'failed']),
  /** What changed, in words (e.g. "address 192.168.50.2 gone; now 192.168.60.2"). */
  detail: z.string(),
  /** Milliseconds from noticing the change to registered again; null until then. */
  recoveredInMs: z.number().nonnegative().nullable(),
});
export type NetworkChange = z.infer<typeof networkChangeSchema>;

export const natStatusSchema = z.object({
  local: transportAddressSchema,
  mapped: transportAddressSchema.nullable(),
  natType: natTypeSchema,
  servers: z.array(stunServerResultSchema),
  /** ISO 8601 time of the check. */
  checkedAt: z.string(),
  /** The address the registrar reports seeing (Via `received`/`rport` of its responses). */
  registrarSees: transportAddressSchema.nullable(),
  /** Whether STUN and the registrar saw the same public address; null until both are known. */
  registrarAgrees: z.boolean().nullable(),
  /** The address the SIP Contact currently carries, and where it came from. */
  contact: transportAddressSchema.nullable(),
  contactSource: addressSourceSchema.nullable(),
  keepaliveSeconds: z.number().nonnegative(),
  /** The configured TURN relay, tested on a spare socket at each check; absent without one. */
  turn: relayStatusSchema.nullable().optional(),
  /** The last network change and its healing; absent before the first one. */
  networkChange: networkChangeSchema.nullable().optional(),
});
export type NatStatus = z.infer<typeof natStatusSchema>;

/** A voip.ms sub-account (or any SIP account reachable over UDP). */
export const accountSchema = z.object({
  /** Registrar host, optionally with port, e.g. `montreal5.voip.ms` or `10.0.0.1:5060`. */
  server: z.string().min(1).max(253),
  /** voip.ms sub-account user, e.g. `123456_home`. */
  user: z.string().min(1).max(64),
  displayName: z.string().max(64).optional(),
  /** Registration lifetime asked for, in seconds. */
  expiresSeconds: z.number().int().min(60).max(86_400).optional(),
});
export type Account = z.infer<typeof accountSchema>;

/**
 * Registration state machine (RFC 3261 §10):
 * ```
 *  unregistered ──register──► registering ──200 OK──► registered ──refresh──► registering
 *                                  │                      │
 *                                  └──refused/no answer──► failed ──retry/register──► registering
 *  every state ──unregister/close──► unregistered
 * ```
 */
export const registrationStateSchema = z.enum([
  'unregistered',
  'registering',
  'registered',
  'failed',
]);
export type RegistrationState = z.infer<typeof registrationStateSchema>;

export const registrationSchema = z.object({
  state: registrationStateSchema,
  account: accountSchema.nullable(),
  /** Contact URI last registered. */
  contact: z.string().nullable(),
  expiresAt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Set when the configured registrar stopped answering and another server took the account. */
  failover: z
    .object({ from: z.string().max(256), to: z.string().max(256), at: z.string() })
    .nullable()
    .optional(),
});
export type Registration = z.infer<typeof registrationSchema>;

/**
 * Call state machine:
 * ```
 *  outgoing: calling ──► ringing ──► early-media ──► connected ◄──► on-hold
 *  incoming: incoming ──────────────────────────────► connected ◄──► on-hold
 *  every state ──► ended
 * ```
 */
export const callStateSchema = z.enum([
  'calling',
  'ringing',
  'early-media',
  'incoming',
  'connected',
  'on-hold',
  'ended',
]);
export type CallState = z.infer<typeof callStateSchema>;

export const callDirectionSchema = z.enum(['outgoing', 'incoming']);
export type CallDirection = z.infer<typeof callDirectionSchema>;

/** Why a call ended, in words a user understands. */
export const callEndCodeSchema = z.enum([
  'hangup-local',
  'hangup-remote',
  'cancelled',
  'rejected',
  'busy',
  'not-found',
  'declined',
  'unavailable',
  'forbidden',
  'auth-failed',
  'timeout',
  'not-acceptable',
  /** SRTP was required and the other side answered without it: the phone hung up. */
  'not-encrypted',
  'failed',
  /** The call was handed to another party (REFER, RFC 3515) or replaced (RFC 3891). */
  'transferred',
]);
export type CallEndCode = z.infer<typeof callEndCodeSchema>;

/** Per-direction RTP counters: enough to say "one-way audio" with evidence. */
export const rtpStatsSchema = z.object({
  packetsSent: z.number().int().nonnegative(),
  bytesSent: z.number().int().nonnegative(),
  packetsReceived: z.number().int().nonnegative(),
  bytesReceived: z.number().int().nonnegative(),
  packetsLost: z.number().int(),
  /** Interarrival jitter (RFC 3550 §6.4.1) in milliseconds. */
  jitterMs: z.number().nonnegative(),
  /** ISO time of the first packet sent / received, null if none. */
  firstSentAt: z.string().nullable(),
  firstReceivedAt: z.string().nullable(),
  /** Where the remote's RTP actually comes from (symmetric RTP latches onto it). */
  remoteSource: transportAddressSchema.nullable(),
  /**
   * Round-trip time in milliseconds from the latest RTCP report block about our stream
   * (arrival − LSR − DLSR, RFC 3550 §6.4.1); absent until the far end reports on us.
   */
  rttMs: z.number().nonnegative().optional(),
});
export type RtpStats = z.infer<typeof rtpStatsSchema>;

export const mediaAddressSchema = z.object({
  connection: z.string(),
  audioPort: z.number().int().nonnegative(),
  /** Where our SDP address came from: the RTP socket's STUN mapping, a TURN relay, the router's port mapping, or local. */
  source: z.enum(['stun', 'local', 'turn', 'portmap']).optional(),
});
export type MediaAddress = z.infer<typeof mediaAddressSchema>;

/** A NAT strategy by id: what decides the address a call's media advertises. */
export const natStrategyIdSchema = z.enum(['none', 'stun', 'turn', 'portmap']);
export type NatStrategyId = z.infer<typeof natStrategyIdSchema>;

/**
 * A call whose audio went one-way after it was answered, and what the engine did about it: it
 * re-INVITEd `at` seconds after the answer, moving the media `from` one strategy `to` another
 * (stun to stun: a refreshed STUN mapping), and `recovered` once RTP flowed both ways again.
 */
export const callRescueSchema = z.object({
  at: z.number().nonnegative(),
  from: natStrategyIdSchema,
  to: natStrategyIdSchema,
  recovered: z.boolean(),
});
export type CallRescue = z.infer<typeof callRescueSchema>;

/** How SIP reaches the registrar: UDP, TCP, or TLS (SIP over TLS on the POP's port 5061). */
export const sipTransportSchema = z.enum(['udp', 'tcp', 'tls']);
export type SipTransport = z.infer<typeof sipTransportSchema>;

/**
 * SRTP (SDES, RFC 4568) for a call's audio: never offered, offered when the far end takes it
 * (RTP/AVP with `a=crypto`), or required (RTP/SAVP; a call that cannot be encrypted fails).
 */
export const mediaEncryptionSchema = z.enum(['off', 'optional', 'required']);
export type MediaEncryption = z.infer<typeof mediaEncryptionSchema>;

/**
 * How keypad digits reach the far end during a call: `auto` sends RFC 4733 telephone-events when
 * the call negotiated them, else SIP INFO; `rfc4733` only events; `sip-info` only INFO
 * (`application/dtmf-relay`); `inband` only tones in the audio (Q.23 pairs). The last two are
 * for a provider set to read digits that way.
 */
export const dtmfMethodSchema = z.enum(['auto', 'rfc4733', 'sip-info', 'inband']);
export type DtmfMethod = z.infer<typeof dtmfMethodSchema>;

/**
 * How a call's keypad digits go out now, as the setting and the call's answer allow:
 * RFC 4733 events, SIP INFO, tones in the audio, or `none` where the setting asks for events
 * only and the call took none.
 */
export const callKeypadSchema = z.enum(['rfc4733', 'sip-info', 'inband', 'none']);
export type CallKeypad = z.infer<typeof callKeypadSchema>;

/** A call's SRTP as negotiated: the crypto suite both ends chose, and whether media runs on it. */
export const callSrtpSchema = z.object({
  suite: z.string().max(64).nullable(),
  active: z.boolean(),
});
export type CallSrtp = z.infer<typeof callSrtpSchema>;

/**
 * A call's recording as main keeps it: `active` while audio is written; `error` says in words why
 * it stopped early (a full disk, a folder gone), null when the user or the call's end stopped it.
 */
export const callRecordingSchema = z.object({
  active: z.boolean(),
  /** The file's name, as shown to the user; the folder is the one in settings at its start. */
  file: z.string().max(255),
  /** Where the file is: main's own record, used to show it in its folder. */
  path: z.string().max(1400),
  error: z.string().max(300).nullable(),
});
export type CallRecording = z.infer<typeof callRecordingSchema>;

/**
 * A call merged with another into a local three-way conference: both parties talk with the user
 * and hear each other. The user's microphone and speaker are carried by one of the two legs (the
 * call that was active when they were merged), the other leg's audio being mixed into it.
 */
export const callConferenceSchema = z.object({
  withCallId: z.string(),
  carriesUserAudio: z.boolean(),
});
export type CallConference = z.infer<typeof callConferenceSchema>;

/**
 * A transfer of the call (RFC 3515), either way. Ours (`outgoing`): blind to `target`, or
 * attended to the party of the consult call `consultCallId` (REFER with Replaces, RFC 3891);
 * `state` follows the REFER's answer and the NOTIFYs' sipfrag: asking (REFER sent) → trying →
 * ringing → succeeded (our leg ends) or failed / refused (the call stays). Theirs (`incoming`):
 * the far end asks us to call `target`; `asking` until the user accepts (then as ours) or
 * declines (`declined`, answered 603).
 */
export const callTransferSchema = z.object({
  direction: z.enum(['outgoing', 'incoming']),
  kind: z.enum(['blind', 'attended']),
  target: z.string().max(256),
  consultCallId: z.string().max(64).optional(),
  state: z.enum(['asking', 'trying', 'ringing', 'succeeded', 'failed', 'refused', 'declined']),
  /** The latest progress in plain words, e.g. "B is ringing" or why it failed. */
  message: z.string().max(300),
  /** The SIP status the latest progress carried (the REFER's answer or the sipfrag's). */
  sipStatus: z.number().int().optional(),
});
export type CallTransfer = z.infer<typeof callTransferSchema>;

export const callInfoSchema = z.object({
  id: z.string(),
  direction: callDirectionSchema,
  remote: z.string(),
  remoteDisplayName: z.string().nullable(),
  state: callStateSchema,
  startedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  end: z
    .object({
      code: callEndCodeSchema,
      message: z.string(),
      sipStatus: z.number().int().optional(),
    })
    .nullable(),
  codec: z.string().nullable(),
  localMedia: mediaAddressSchema.nullable(),
  remoteMedia: mediaAddressSchema.nullable(),
  muted: z.boolean(),
  stats: rtpStatsSchema,
  /** The TURN relay carrying this call's media, when one was used or tried. */
  relay: relayStatusSchema.nullable().optional(),
  /** The latest mid-call rescue of one-way audio; absent or null when none was needed. */
  rescue: callRescueSchema.nullable().optional(),
  /**
   * Call waiting: an incoming call that rings while the user is on another call (one in
   * progress and not on hold). It is announced by a short tone in that call's audio rather than
   * the ringtone, and answering it needs `answer { holdOthers: true }`. It turns false when the
   * other call ends or is held (the call then rings as any other) and true again if a held call
   * is taken back. Absent means false.
   */
  waiting: z.boolean().optional(),
  /** The SIP transport the call's signalling runs over; absent means UDP. */
  transport: sipTransportSchema.optional(),
  /** The call's SRTP; absent means plain RTP. */
  srtp: callSrtpSchema.optional(),
  /** Call recording: the WAV file this call is (or was) recorded to; absent when never recorded. */
  recording: callRecordingSchema.optional(),
  /** The account the call is on (see src-shared/accounts.ts); absent: the first account. */
  accountId: z.string().max(32).optional(),
  /** A leg of a three-way conference; absent when the call is in none. */
  conference: callConferenceSchema.optional(),
  /** The call's transfer, asked or under way; absent when none. */
  transfer: callTransferSchema.optional(),
  /** How keypad digits pressed now would go out; absent until the call's media is agreed. */
  keypad: callKeypadSchema.optional(),
});
export type CallInfo = z.infer<typeof callInfoSchema>;

/** An error as the engine reports it: a stable code and one plain sentence. */
export const engineErrorSchema = z.object({ code: z.string(), message: z.string() });
export type EngineError = z.infer<typeof engineErrorSchema>;

/**
 * The voice mailbox as the provider last reported it (RFC 3842 message-summary). Counts are null
 * when the provider said only whether messages wait.
 */
export const voicemailSchema = z.object({
  waiting: z.boolean(),
  newMessages: z.number().int().min(0).nullable(),
  oldMessages: z.number().int().min(0).nullable(),
  urgentNew: z.number().int().min(0).nullable(),
  urgentOld: z.number().int().min(0).nullable(),
  /** When the report arrived (ISO 8601). */
  at: z.string(),
});
export type Voicemail = z.infer<typeof voicemailSchema>;
