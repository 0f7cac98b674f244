/**
 * The engine's one error style: a stable code a program can act on and one plain sentence a user
 * can read. Parts with codes of their own (TURN's) narrow `Code`; whatever else is thrown inside
 * the engine reaches its users through {@link toEngineError}.
 */
export class EngineFailure<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = 'EngineFailure';
  }
}

export function toEngineError(error: unknown): { code: string; message: string } {
  if (error instanceof EngineFailure) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

/** The plain sentence of any failure, for messages that wrap it. */
export function describeError(error: unknown): string {
  return toEngineError(error).message;
}
