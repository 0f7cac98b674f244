/**
 * The user's phone behind the lab's router: phone-runner.js (the engine with the app's audio
 * router and a microphone speaking a tone) in the client namespace, driven from the test through
 * its stdin; the calls it reported and the frames its speaker played, as they arrive.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CallInfo, Registration } from '../../../src-shared/domain.js';
import type {
  CommandName,
  CommandRequest,
  CommandResponse,
} from '../../../src-shared/engine-contract.js';
import type { Lab } from './netns-lab.js';
import { LAB_PASSWORD, LAB_USER, PROVIDER_SIP_PORT, REPO } from './peers.js';
import { PUBLIC } from './netns-lab.js';
import type { PhoneCommand } from './phone-runner.js';
import { waitFor } from './wait.js';

export const PHONE_RUNNER = join(REPO, 'dist/test/lab/support/phone-runner.js');

export interface LabPhone {
  registration: Registration;
  /** Every CallInfo the engine emitted, oldest first. */
  events: CallInfo[];
  /** The speaker's frames with the time (epoch ms) each was played. */
  speaker: { at: number; pcm: Int16Array }[];
  invoke<C extends CommandName>(
    command: C,
    request: CommandRequest<C>,
  ): Promise<CommandResponse<C>>;
  /** Everything the runner wrote on stderr. */
  stderr(): string;
  /** Closes its stdin (it hangs up and un-REGISTERs), then waits up to 3 s for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the phone in the client namespace, registering as the lab's user with the provider,
 * STUN from the lab's two servers; resolves once the first REGISTER has settled.
 */
export function startPhoneInClient(lab: Lab, options: { tone: number }): Promise<LabPhone> {
  const child = lab.spawn(
    lab.client,
    process.execPath,
    [
      PHONE_RUNNER,
      '--server',
      `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
      '--user',
      LAB_USER,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--stun',
      `${PUBLIC.stunB}:3478`,
      '--tone',
      String(options.tone),
    ],
    { NATTER_PASSWORD: LAB_PASSWORD },
    { stdin: 'pipe' },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events: CallInfo[] = [];
  const speaker: LabPhone['speaker'] = [];
  const pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`phone silent for 20 s: ${stderr}`)), 20_000);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`phone exited (${child.exitCode}): ${stderr}`));
      for (const waiting of pending.values()) waiting.reject(new Error(`phone exited: ${stderr}`));
    });
    const phone = (registration: Registration): LabPhone => ({
      registration,
      events,
      speaker,
      stderr: () => stderr,
      invoke: <C extends CommandName>(command: C, request: CommandRequest<C>) => {
        const id = nextId++;
        const line: PhoneCommand = { id, command, request };
        child.stdin?.write(`${JSON.stringify(line)}\n`);
        return new Promise<CommandResponse<C>>((resolveReply, rejectReply) => {
          pending.set(id, {
            resolve: (value) => resolveReply(value as CommandResponse<C>),
            reject: rejectReply,
          });
        });
      },
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.stdin?.end();
        await waitFor(() => child.exitCode !== null || child.signalCode !== null, 3000);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const message = JSON.parse(text) as {
        registration?: Registration;
        call?: CallInfo;
        speaker?: { at: number; pcm: string };
        reply?: number;
        result?: unknown;
        error?: string;
      };
      if (message.speaker) {
        const bytes = Buffer.from(message.speaker.pcm, 'base64');
        // A copy: the decoded bytes may sit at an odd offset of a shared pool.
        const own = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        speaker.push({ at: message.speaker.at, pcm: new Int16Array(own) });
      } else if (message.call) {
        events.push(message.call);
      } else if (message.registration) {
        clearTimeout(timer);
        resolve(phone(message.registration));
      } else if (message.reply !== undefined) {
        const waiting = pending.get(message.reply);
        pending.delete(message.reply);
        if (message.error !== undefined) waiting?.reject(new Error(message.error));
        else waiting?.resolve(message.result);
      }
    });
  });
}
