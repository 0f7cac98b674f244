/**
 * V8 settings for a process that carries calls. A call's packet path runs fifty times a second:
 * at V8's default interrupt budget its functions stay in the baseline tier for the first minute
 * or more of a call, where inline caches and call builtins cost most of the main thread's time.
 * A smaller budget lets the optimising compiler take them within seconds; measured on a call to
 * an echoing provider, the whole process costs about three quarters of the CPU it did, the
 * compiler's extra work included (README, Benchmark).
 *
 * The young generation is kept at its initial size. V8 doubles its two semi-spaces, up to 16 MB
 * each, whenever objects are allocated fast (loading sip.js at start-up, a flood of datagrams)
 * and keeps those pages for the life of the process: 32 MB of new space held for a heap whose
 * young objects take well under 1 MB between two scavenges in a call. The size limit itself is
 * read once, when the heap is set up, so it cannot be lowered from inside a running process;
 * the growth factor is read at every growth, and at 1 a growth leaves the semi-spaces as they
 * are (1 MB each in Node 20). V8 versions that hold the factor at 2 or more (newer than Node 22's)
 * take the flag without effect; `test/unit/v8-tuning.test.ts` fails there.
 */
import { setFlagsFromString } from 'node:v8';

/** Bytecode budget between tier-up checks; V8's default is far larger. */
export const PACKET_PATH_INTERRUPT_BUDGET = 4096;

/** What each growth of the young generation multiplies its size by: 1, no growth. */
export const YOUNG_GENERATION_GROWTH_FACTOR = 1;

/** The flags as a command line takes them (Electron's `js-flags` switch, a `node` invocation). */
export const ENGINE_V8_FLAGS = [
  `--interrupt-budget=${PACKET_PATH_INTERRUPT_BUDGET}`,
  `--semi-space-growth-factor=${YOUNG_GENERATION_GROWTH_FACTOR}`,
].join(' ');

/**
 * Applies {@link ENGINE_V8_FLAGS} to this process. Call it before the engine's code first runs:
 * a function takes its budget when V8 first allocates its feedback, and the young generation
 * grows most while the engine's modules load.
 */
export function tuneV8ForCalls(): void {
  setFlagsFromString(ENGINE_V8_FLAGS);
}
