/** An error the engine reports to its user: a stable code and one plain sentence. */
export class EngineFailure extends Error {
  constructor(
    readonly code: string,
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
