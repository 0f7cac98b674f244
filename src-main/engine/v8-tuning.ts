/**
 * V8 settings for a process that carries calls. A call's packet path runs fifty times a second:
 * at V8's default interrupt budget its functions stay in the baseline tier for the first minute
 * or more of a call, where inline caches and call builtins cost most of the main thread's time.
 * A smaller budget lets the optimising compiler take them within seconds; measured on a call to
 * an echoing provider, the whole process costs about three quarters of the CPU it did, the
 * compiler's extra work included (README, Benchmark).
 */
import { setFlagsFromString } from 'node:v8';

/** Bytecode budget between tier-up checks; V8's default is far larger. */
export const PACKET_PATH_INTERRUPT_BUDGET = 4096;

/** The flags as a command line takes them (Electron's `js-flags` switch, a `node` invocation). */
export const ENGINE_V8_FLAGS = `--interrupt-budget=${PACKET_PATH_INTERRUPT_BUDGET}`;

/**
 * Applies {@link ENGINE_V8_FLAGS} to this process. Call it before the engine's code first runs:
 * a function takes its budget when V8 first allocates its feedback.
 */
export function tuneV8ForCalls(): void {
  setFlagsFromString(ENGINE_V8_FLAGS);
}
