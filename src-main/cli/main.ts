import { readFileSync } from 'node:fs';
import { callCommand } from './call-command.js';
import { parseCliArgs, USAGE, UsageError } from './cli-args.js';
import { createOutput } from './cli-output.js';
import { doctorCommand } from './doctor-command.js';
import { listenCommand } from './listen-command.js';
import { natCommand } from './nat-command.js';

/** Runs the `natter` CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json);
  let args;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      out.failure(error.message);
      return 2;
    }
    throw error;
  }
  try {
    switch (args.command) {
      case 'help':
        process.stdout.write(USAGE);
        return 0;
      case 'version':
        process.stdout.write(`${packageVersion()}\n`);
        return 0;
      case 'nat':
        return await natCommand(args, out);
      case 'call':
        return await callCommand(args, out);
      case 'listen':
        return await listenCommand(args, out);
      case 'doctor':
        return await doctorCommand(args, out);
    }
  } catch (error) {
    out.failure(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

/** The version in package.json, found from both the sources and the built dist/ tree. */
function packageVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const text = readFileSync(new URL(relative, import.meta.url), 'utf8');
      const { name, version } = JSON.parse(text) as { name?: string; version: string };
      if (name === 'natter') return version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}
