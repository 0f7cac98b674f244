/** Where the CLI writes: one JSON object on stdout with --json, lines for people otherwise. */
export interface CliOutput {
  json: boolean;
  /** Progress for a person watching; silent in JSON mode. */
  progress(line: string): void;
  /** The final result: JSON object or human lines. */
  result(object: unknown, human: string[]): void;
  /** One-line reason for a failure, always on stderr. */
  failure(reason: string): void;
}

export function createOutput(
  json: boolean,
  write = process.stdout,
  errors = process.stderr,
): CliOutput {
  return {
    json,
    progress(line) {
      if (!json) errors.write(`${line}\n`);
    },
    result(object, human) {
      write.write(json ? `${JSON.stringify(object)}\n` : `${human.join('\n')}\n`);
    },
    failure(reason) {
      errors.write(`natter: ${reason.replace(/\s*\n\s*/g, ' ')}\n`);
    },
  };
}

export function formatAddress(address: { address: string; port: number } | null): string {
  return address ? `${address.address}:${address.port}` : 'unknown';
}
