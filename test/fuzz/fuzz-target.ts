/**
 * A fuzz target: one parser that reads bytes from the network or from disk, the inputs that
 * exercise it (valid messages built from their fields, then mutated), and the contract its layer
 * keeps for bad input, asserted on every execution. `npm run fuzz` and the unit project run the
 * same targets; a failing input is kept under test/fuzz/regressions and replayed by a unit test.
 */
import type fc from 'fast-check';

export interface FuzzTarget<Input = unknown> {
  name: string;
  /** What the layer promises for hostile input; what {@link execute} asserts. */
  contract: string;
  /** Repository paths of the modules the target exercises, for the coverage figure. */
  modules: readonly string[];
  input: () => fc.Arbitrary<Input>;
  /** Throws (or rejects) when the contract is broken for this input. */
  execute: (input: Input) => void | Promise<void>;
  /** True when {@link execute} returns a promise. */
  async?: boolean;
  /** The input as JSON, for a regression file, and back. */
  toJson: (input: Input) => unknown;
  fromJson: (json: unknown) => Input;
  /** Releases what the target holds between runs (sockets, user agents); optional. */
  dispose?: () => void | Promise<void>;
}

/** Bytes cross regression files as hex. */
export const bytesCodec = {
  toJson: (input: Uint8Array): unknown => Buffer.from(input).toString('hex'),
  fromJson: (json: unknown): Uint8Array => Buffer.from(String(json), 'hex'),
};

export const textCodec = {
  toJson: (input: string): unknown => input,
  fromJson: (json: unknown): string => String(json),
};

export const jsonCodec = {
  toJson: <T>(input: T): unknown => input,
  fromJson: <T>(json: unknown): T => json as T,
};

/** A broken contract: the message names the target's promise and what happened instead. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new ContractViolation(what);
}

/** Runs `body` and turns any exception into a contract violation naming the layer. */
export function mustNotThrow<T>(layer: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw new ContractViolation(`${layer} threw: ${describe(error)}`);
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
