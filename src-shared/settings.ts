/**
 * The app's stored settings. Defaults live here; the stored file only overrides them. The SIP
 * password is never part of what the renderer reads: only whether one is saved.
 */
import { z } from 'zod';
import {
  accountSchema,
  dtmfMethodSchema,
  mediaEncryptionSchema,
  sipTransportSchema,
} from './domain.js';
import { codecOrderSchema, DEFAULT_CODEC_ORDER } from './codec-order.js';
import { dialTargetSchema, stunServerSchema } from './engine-contract.js';
import {
  autoAnswerSecondsSchema,
  MAX_MORE_ACCOUNTS,
  moreAccountSchema,
  accountIdSchema,
} from './accounts.js';
import { doNotDisturbActionSchema, doNotDisturbForwardToSchema } from './do-not-disturb.js';

/** voip.ms points of presence, `<city>[N].voip.ms`, as offered in the server list. */
export const VOIPMS_SERVERS = [
  'atlanta.voip.ms',
  'chicago.voip.ms',
  'dallas.voip.ms',
  'denver.voip.ms',
  'houston.voip.ms',
  'losangeles.voip.ms',
  'montreal.voip.ms',
  'newyork.voip.ms',
  'seattle.voip.ms',
  'tampa.voip.ms',
  'toronto.voip.ms',
  'vancouver.voip.ms',
  'amsterdam.voip.ms',
  'london.voip.ms',
  'paris.voip.ms',
  'ca.voip.ms',
] as const;

/** Whether a server is one of voip.ms's points of presence (failover moves only among them). */
export function isVoipmsServer(server: string): boolean {
  const host = server.trim().toLowerCase().replace(/:\d+$/, '');
  return (VOIPMS_SERVERS as readonly string[]).includes(host.replace(/^([a-z]+)\d+\./, '$1.'));
}

export const STUN_PRESETS = [
  { name: 'Google', server: 'stun.l.google.com:19302' },
  { name: 'Twilio', server: 'global.stun.twilio.com:3478' },
] as const;

/**
 * A CA certificate file to trust besides the system's (a lab, a private PBX): an absolute path,
 * on Unix or Windows, without control characters. Whether it holds a certificate is checked
 * when it is saved.
 */
export const tlsCaFileSchema = z
  .string()
  .min(2)
  .max(1024)
  // eslint-disable-next-line no-control-regex
  .refine((path) => !/[\u0000-\u001f\u007f]/.test(path), 'a file path has no control characters')
  .refine(
    (path) => path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path),
    'expected the full path of the file, e.g. /etc/ssl/pbx-ca.pem',
  );

/** A folder for call recordings: a full path, checked like {@link tlsCaFileSchema}. */
export const recordingFolderSchema = z
  .string()
  .min(2)
  .max(1024)
  // eslint-disable-next-line no-control-regex
  .refine((path) => !/[\u0000-\u001f\u007f]/.test(path), 'a folder path has no control characters')
  .refine(
    (path) => path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path),
    'expected the full path of a folder, e.g. /home/you/Music',
  );

/**
 * A call's volume, in percent of the sound as captured or as received: 0 silences, 100 leaves it
 * as it is, 200 doubles it (+6 dB; louder only clips, which no one wants to hear).
 */
export const VOLUME_PERCENT_MAX = 200;
export const volumePercentSchema = z.number().int().min(0).max(VOLUME_PERCENT_MAX);

export const settingsSchema = z.object({
  account: accountSchema.nullable(),
  /** Whether a password is stored (encrypted); the password itself never leaves main. */
  hasPassword: z.boolean(),
  /** STUN servers in order of preference; the first is the active one. */
  stunServers: z.array(stunServerSchema).max(8),
  /** NAT keepalive interval the user chose (0: off); null lets the engine choose (15 s, or below the measured lifetime). */
  keepaliveSeconds: z.number().int().min(0).max(300).nullable(),
  /** How long the router keeps an idle UDP mapping, as the doctor last measured it (a lower bound). */
  bindingLifetimeSeconds: z.number().int().min(1).max(3600).nullable(),
  audioInputId: z.string().max(256).nullable(),
  audioOutputId: z.string().max(256).nullable(),
  ringtoneOutputId: z.string().max(256).nullable(),
  /** How loud the microphone goes out in calls, and how loud the other side plays, in percent. */
  microphoneVolume: volumePercentSchema,
  speakerVolume: volumePercentSchema,
  /** How loud the ringtone rings, in percent of its usual level; 0 rings silently. */
  ringtoneVolume: volumePercentSchema,
  /** A TURN relay (`host:port`) for a symmetric NAT, and its user; the password is kept apart. */
  turnServer: stunServerSchema.nullable(),
  turnUser: z.string().min(1).max(128).nullable(),
  /** Whether a TURN password is stored (encrypted); it never leaves main. */
  hasTurnPassword: z.boolean(),
  /**
   * Whether passwords can be saved encrypted on this system; false: they are kept only until
   * the app quits, never written in plain text.
   */
  secureStorage: z.boolean(),
  /** Relay calls never, only behind a symmetric NAT, or always. */
  turnPolicy: z.enum(['never', 'symmetric', 'always']),
  /** Whether STUN is asked at all; off keeps the server list but puts local addresses on the wire. */
  stunEnabled: z.boolean(),
  /** Incoming calls are refused while this is on (486, or forwarded: see doNotDisturbAction). */
  doNotDisturb: z.boolean(),
  /** When the chosen voip.ms server stops answering, register to the nearest one that answers. */
  registrarFailover: z.boolean(),
  /** Closing the window keeps Natter running in the tray. */
  closeToTray: z.boolean(),
  /** Whether the one-time "still running in the tray" notice was shown. */
  closeToTrayNoticeShown: z.boolean(),
  /** Start (hidden, in the tray) when the user logs in. */
  startAtLogin: z.boolean(),
  /** Colour theme; `system` follows the operating system's light or dark preference. */
  theme: z.enum(['system', 'dark', 'light']),
  /** How SIP reaches the registrar; TLS encrypts the signalling (voip.ms: port 5061). */
  sipTransport: sipTransportSchema,
  /** SRTP for calls' audio: off, when the other side takes it, or required. */
  mediaEncryption: mediaEncryptionSchema,
  /** An extra CA certificate (PEM) trusted for TLS besides the system's; null: the system's only. */
  tlsCaFile: tlsCaFileSchema.nullable(),
  // Voicemail: what the Voicemail button dials (voip.ms's mailbox is *97).
  voicemailNumber: dialTargetSchema,
  // Wideband audio: the voice codecs offered, in order of preference (G.722 first by default).
  codecOrder: codecOrderSchema,
  /** Call recording: the folder recordings go to (null: Music/Natter recordings), and whether
   * the consent reminder shows before each recording starts. */
  recordingFolder: recordingFolderSchema.nullable(),
  recordingConsentReminder: z.boolean(),
  // Several accounts: the first account's auto-answer, and the accounts beside it.
  /** The first account's incoming calls are answered after this many seconds of ringing; 0: never. */
  autoAnswerSeconds: autoAnswerSecondsSchema,
  /** Accounts registered beside the first, each with its own transport, DND and auto-answer. */
  moreAccounts: z.array(moreAccountSchema).max(MAX_MORE_ACCOUNTS),
  // Do not disturb: what the first account's callers get while it is on (486, or a 302 forward).
  doNotDisturbAction: doNotDisturbActionSchema,
  /** The number calls are forwarded to, kept while "busy" is chosen so switching back keeps it. */
  doNotDisturbForwardTo: doNotDisturbForwardToSchema,
  /** How keypad digits pressed during a call reach the far end: the first account's, and any
   * other account's that does not set its own. */
  dtmfMethod: dtmfMethodSchema,
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  account: null,
  hasPassword: false,
  stunServers: STUN_PRESETS.map((preset) => preset.server),
  keepaliveSeconds: null,
  bindingLifetimeSeconds: null,
  audioInputId: null,
  audioOutputId: null,
  ringtoneOutputId: null,
  microphoneVolume: 100,
  speakerVolume: 100,
  ringtoneVolume: 100,
  turnServer: null,
  turnUser: null,
  hasTurnPassword: false,
  secureStorage: true,
  turnPolicy: 'symmetric',
  stunEnabled: true,
  doNotDisturb: false,
  registrarFailover: false,
  closeToTray: true,
  closeToTrayNoticeShown: false,
  startAtLogin: false,
  theme: 'system',
  sipTransport: 'udp',
  mediaEncryption: 'off',
  tlsCaFile: null,
  // Voicemail.
  voicemailNumber: '*97',
  // Wideband audio.
  codecOrder: [...DEFAULT_CODEC_ORDER],
  // Call recording
  recordingFolder: null,
  recordingConsentReminder: true,
  // Several accounts.
  autoAnswerSeconds: 0,
  moreAccounts: [],
  // Do not disturb: busy, as before there was a choice.
  doNotDisturbAction: 'busy',
  doNotDisturbForwardTo: null,
  dtmfMethod: 'auto',
};

/** What the renderer may change; `password` only travels toward main, to be encrypted there. */
export const settingsUpdateSchema = settingsSchema
  .omit({ hasPassword: true, hasTurnPassword: true, secureStorage: true })
  .partial()
  .extend({
    password: z.string().min(1).max(256).optional(),
    turnPassword: z.string().min(1).max(256).optional(),
    /** New passwords of further accounts, by account id; only toward main, to be encrypted. */
    accountPasswords: z.record(accountIdSchema, z.string().min(1).max(256)).optional(),
  })
  .strict();
export type SettingsUpdate = z.infer<typeof settingsUpdateSchema>;
