/**
 * The user's phone as the app runs it, where the lab test cannot run it: inside the client
 * namespace, behind the router (`ip netns exec ... node dist/test/lab/support/phone-runner.js
 * --server IP:PORT --user U [--stun IP:PORT ...] --tone HZ`, the password in NATTER_PASSWORD).
 * The engine with the app's audio router, a microphone speaking a steady tone into it every
 * 20 ms, and a speaker whose frames are reported. test/lab/support/phone.ts drives it.
 *
 * Prints one JSON line per event: `registration` (once, after the first REGISTER settled),
 * `call` (every CallInfo the engine emits), `speaker` (`{at, pcm}`: a frame as the renderer
 * would play it, base64 16-bit PCM), `reply` (`{reply: id, result}` or `{reply: id, error}`).
 * Reads commands from stdin, one JSON line each: `{id, command, request}`, an engine command.
 * Shuts the engine down (un-REGISTER, BYE) when stdin closes, then exits.
 */
import { createInterface } from 'node:readline';
import { RendererAudioRouter } from '../../../src-main/app/renderer-audio-router.js';
import { NatterEngine } from '../../../src-main/engine/natter-engine.js';
import { ToneGenerator } from '../../../src-main/media/tone.js';
import { AUDIO_FRAME_SAMPLES } from '../../../src-shared/audio-format.js';
import type { CommandName, CommandRequest } from '../../../src-shared/engine-contract.js';

export interface PhoneCommand {
  id: number;
  command: CommandName;
  request: CommandRequest<CommandName>;
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const argv = process.argv.slice(2);
const values = (flag: string) =>
  argv.flatMap((arg, at) => (arg === flag && argv[at + 1] ? [argv[at + 1] as string] : []));
const server = values('--server')[0];
const user = values('--user')[0];
const tone = Number(values('--tone')[0]);
const password = process.env.NATTER_PASSWORD;
if (!server || !user || !password || !(tone > 0)) {
  process.stderr.write(
    'usage: NATTER_PASSWORD=... phone-runner --server IP:PORT --user U --tone HZ\n',
  );
  process.exit(2);
}

const audio = new RendererAudioRouter();
let fromRenderer: (data: unknown) => void = () => undefined;
audio.attach({
  post: (message) => {
    if (message.kind !== 'speaker') return;
    emit({ speaker: { at: Date.now(), pcm: Buffer.from(message.pcm).toString('base64') } });
  },
  onMessage: (listener) => (fromRenderer = listener),
  close: () => undefined,
});
const microphone = new ToneGenerator({
  frequency: tone,
  amplitude: 6000,
  frameSamples: AUDIO_FRAME_SAMPLES,
});
const ticker = setInterval(() => {
  fromRenderer({ kind: 'mic', pcm: microphone.next().buffer, at: Date.now() });
}, 20);

const engine = new NatterEngine({ stunServers: values('--stun') }, audio.hooks());
engine.on('call', (info) => {
  audio.onCall(info);
  emit({ call: info });
});
const registration = await engine.invoke('register', { account: { server, user }, password });
emit({ registration });

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { id, command, request } = JSON.parse(line) as PhoneCommand;
  try {
    emit({ reply: id, result: await engine.invoke(command, request) });
  } catch (error) {
    emit({ reply: id, error: error instanceof Error ? error.message : String(error) });
  }
}
clearInterval(ticker);
await engine.shutdown();
process.exit(0);
