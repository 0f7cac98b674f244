/**
 * The NAT doctor's report: the voip.ms troubleshooting procedure (test call, SIP ALG, STUN, TURN)
 * run as steps, each with its evidence, then one verdict and, with --apply / "Apply", the setting
 * it wrote. `natter doctor --json` prints exactly a {@link DoctorReport}; the app streams each
 * {@link DoctorStep} as it lands.
 */
import { z } from 'zod';
import { sipTransportSchema } from './domain.js';

export const DOCTOR_STEP_IDS = [
  'reachability',
  'nat',
  'binding',
  'alg',
  'call-no-stun',
  'call-stun',
  'call-turn',
] as const;
export const doctorStepIdSchema = z.enum(DOCTOR_STEP_IDS);
export type DoctorStepId = z.infer<typeof doctorStepIdSchema>;

export const doctorStepStatusSchema = z.enum(['pass', 'warn', 'fail', 'skipped']);
export type DoctorStepStatus = z.infer<typeof doctorStepStatusSchema>;

/** Evidence is step-specific plain data (addresses, round trips, header values, counters). */
const evidenceSchema = z.record(z.string(), z.unknown());

export const doctorStepSchema = z.object({
  id: doctorStepIdSchema,
  status: doctorStepStatusSchema,
  /** One line for people: what was found. */
  summary: z.string(),
  evidence: evidenceSchema,
  /** How long the step took, ms. */
  durationMs: z.number().nonnegative(),
});
export type DoctorStep = z.infer<typeof doctorStepSchema>;

export const DOCTOR_VERDICT_CODES = [
  'provider-handles-nat',
  'stun-fixes',
  'turn-required',
  'turn-fixes',
  'alg-detected',
  'alg-tls-fixes',
  'blocked',
  'unreachable',
] as const;
export const doctorVerdictCodeSchema = z.enum(DOCTOR_VERDICT_CODES);
export type DoctorVerdictCode = z.infer<typeof doctorVerdictCodeSchema>;

export const doctorVerdictSchema = z.object({
  code: doctorVerdictCodeSchema,
  message: z.string(),
});
export type DoctorVerdict = z.infer<typeof doctorVerdictSchema>;

/** The configuration the verdict recommends, in settings terms; what "Apply" writes. */
export const doctorFixSchema = z.object({
  /** STUN servers to use; an empty list turns STUN off. */
  stunServers: z.array(z.string()).optional(),
  /** Keepalive interval, safely below the measured binding lifetime. */
  keepaliveSeconds: z.number().int().min(0).max(300).optional(),
  /** The relay that gave two-way audio, and when to use it. */
  turnServer: z.string().optional(),
  turnUser: z.string().optional(),
  turnPolicy: z.enum(['never', 'symmetric', 'always']).optional(),
  /** SIP over TLS, which a router's SIP ALG cannot read or rewrite. */
  sipTransport: sipTransportSchema.optional(),
});
export type DoctorFix = z.infer<typeof doctorFixSchema>;

/**
 * The way around a SIP ALG the doctor tries when it finds one: registering and a test call over
 * TLS at the same server (port 5061), which the router cannot read.
 */
export const doctorAlgTlsSchema = z.object({
  tried: z.boolean(),
  /** host:port tried over TLS; null when not tried. */
  server: z.string().max(300).nullable(),
  registered: z.boolean(),
  /** The test call over TLS had audio both ways. */
  audio: z.boolean(),
  /** Why it did not register or carry audio, in plain words; null when it did. */
  error: z.string().max(500).nullable(),
});
export type DoctorAlgTls = z.infer<typeof doctorAlgTlsSchema>;

export const doctorReportSchema = z.object({
  steps: z.array(doctorStepSchema),
  verdict: doctorVerdictSchema,
  /**
   * What else bears on the verdict, one sentence each: voip.ms's view of the phone against
   * STUN's, calls the phone rescued from one-way audio, the last network change.
   */
  notes: z.array(z.string().max(500)).max(8).optional(),
  /** The SIP ALG step's outcome when it ran: whether SIP over TLS got around the ALG. */
  alg: z.object({ detected: z.boolean(), tls: doctorAlgTlsSchema }).optional(),
  /** The fix the verdict recommends, whether or not it was applied. */
  fix: doctorFixSchema.nullable(),
  /** What was written to the settings, when asked to apply; null otherwise. */
  applied: doctorFixSchema.nullable(),
  /** Whether some configuration gave two-way audio (the CLI's exit 0). */
  twoWayFound: z.boolean(),
});
export type DoctorReport = z.infer<typeof doctorReportSchema>;

/** What the app asks of the doctor; the account and password are the saved ones. */
export const doctorRequestSchema = z
  .object({
    /** Measure the binding lifetime (minutes); off by default in the app. */
    full: z.boolean().default(false),
    /** The echo test number; voip.ms's is 4443. */
    echo: z
      .string()
      .regex(/^[0-9*#+]{1,32}$/)
      .default('4443'),
    apply: z.boolean().default(false),
  })
  .strict();
export type DoctorRequest = z.infer<typeof doctorRequestSchema>;
