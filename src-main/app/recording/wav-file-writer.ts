/**
 * A WAV file written while the call runs: samples are gathered in memory and written a second at
 * a time, each write followed by the header's two sizes, so a file cut short (the app killed, the
 * power gone) still opens with all but its last second. Writes run one at a time off the caller's
 * path: `append` never waits for the disk, so the RTP clock that feeds it is never held up, and
 * what waits for the disk is bounded; a disk that cannot keep up ends the recording rather than
 * the memory.
 */
import { open } from 'node:fs/promises';
import {
  DATA_SIZE_OFFSET,
  MAX_WAV_DATA_BYTES,
  RIFF_SIZE_OFFSET,
  WAV_HEADER_BYTES,
  pcmBytes,
  wavHeader,
  wavSizes,
} from './wav-format.js';

/** The part of a Node FileHandle the writer uses; tests hand in one that fails on cue. */
export interface WavFileHandle {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<unknown>;
  close(): Promise<void>;
}

export interface WavFileWriterOptions {
  sampleRate: number;
  /** Seconds of audio gathered before a write; 1 by default. */
  flushSeconds?: number;
  /** Seconds of audio that may wait for the disk before the recording gives up; 20 by default. */
  maxPendingSeconds?: number;
  /** Opens a new file (never an existing one); Node's `open(path, 'wx')` by default. */
  openFile?: (path: string) => Promise<WavFileHandle>;
}

/** Why a recording could not go on, in the user's words. */
export class RecordingProblem extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** A file system error in plain words, with the folder named where that helps. */
export function recordingProblemOf(error: unknown, folder: string): RecordingProblem {
  if (error instanceof RecordingProblem) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code ?? 'error';
  const words: Record<string, string> = {
    ENOSPC: 'The disk is full.',
    EDQUOT: 'The disk quota is used up.',
    ENOENT: `The recordings folder ${folder} is not there any more.`,
    ENOTDIR: `${folder} is not a folder.`,
    EACCES: `Natter may not write in ${folder}.`,
    EPERM: `Natter may not write in ${folder}.`,
    EROFS: `${folder} is on a disk that cannot be written to.`,
    EEXIST: 'A recording of that name is already there.',
  };
  return new RecordingProblem(words[code] ?? `The recording could not be written (${code}).`, code);
}

const BYTES_PER_SECOND_PER_HZ = 2;

export class WavFileWriter {
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  /** Bytes handed to the disk queue and not yet written. */
  private pendingBytes = 0;
  /** Bytes of audio the file's data chunk holds (or will, once the queue drains). */
  private dataBytes = 0;
  private writes: Promise<void> = Promise.resolve();
  private problem: RecordingProblem | null = null;
  private closed = false;
  private readonly failureListeners: ((problem: RecordingProblem) => void)[] = [];
  private readonly flushBytes: number;
  private readonly maxPendingBytes: number;

  private constructor(
    private readonly handle: WavFileHandle,
    private readonly folder: string,
    readonly sampleRate: number,
    options: WavFileWriterOptions,
  ) {
    const bytesPerSecond = sampleRate * BYTES_PER_SECOND_PER_HZ;
    this.flushBytes = Math.max(2, Math.round((options.flushSeconds ?? 1) * bytesPerSecond));
    this.maxPendingBytes = Math.round((options.maxPendingSeconds ?? 20) * bytesPerSecond);
  }

  /** Creates `path` (refusing one that exists) with a header for an empty recording. */
  static async create(
    path: string,
    folder: string,
    options: WavFileWriterOptions,
  ): Promise<WavFileWriter> {
    const openFile = options.openFile ?? ((file: string) => open(file, 'wx'));
    let handle: WavFileHandle;
    try {
      handle = await openFile(path);
    } catch (error) {
      throw recordingProblemOf(error, folder);
    }
    const writer = new WavFileWriter(handle, folder, options.sampleRate, options);
    const header = wavHeader(options.sampleRate, 0);
    try {
      await handle.write(header, 0, header.length, 0);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw recordingProblemOf(error, folder);
    }
    return writer;
  }

  /** Why the recording stopped by itself; null while it goes on (or was closed normally). */
  get failure(): RecordingProblem | null {
    return this.problem;
  }

  /** Seconds of audio taken so far. */
  get seconds(): number {
    return (this.dataBytes + this.gatheredBytes) / (this.sampleRate * BYTES_PER_SECOND_PER_HZ);
  }

  onFailure(listener: (problem: RecordingProblem) => void): void {
    this.failureListeners.push(listener);
  }

  /** Takes samples for the file; returns at once, whatever the disk is doing. */
  append(samples: Int16Array): void {
    if (this.closed || this.problem) return;
    const bytes = pcmBytes(samples);
    if (this.dataBytes + this.gatheredBytes + bytes.length > MAX_WAV_DATA_BYTES) {
      this.fail(
        new RecordingProblem('The recording reached the largest size a WAV file holds.', 'EFBIG'),
      );
      return;
    }
    this.gathered.push(bytes);
    this.gatheredBytes += bytes.length;
    if (this.gatheredBytes >= this.flushBytes) this.flush();
  }

  /** Writes what is gathered and the final sizes, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return this.writes;
    this.closed = true;
    if (!this.problem) this.flush();
    this.writes = this.writes.then(() => this.handle.close().catch(() => undefined));
    return this.writes;
  }

  private flush(): void {
    if (this.gatheredBytes === 0) return;
    const chunk = Buffer.concat(this.gathered, this.gatheredBytes);
    this.gathered = [];
    this.gatheredBytes = 0;
    if (this.pendingBytes + chunk.length > this.maxPendingBytes) {
      this.fail(new RecordingProblem('The disk is not keeping up with the recording.', 'ESLOW'));
      return;
    }
    const position = WAV_HEADER_BYTES + this.dataBytes;
    this.dataBytes += chunk.length;
    const sizesAfter = wavSizes(this.dataBytes);
    this.pendingBytes += chunk.length;
    this.writes = this.writes.then(async () => {
      if (this.problem) return;
      try {
        await this.handle.write(chunk, 0, chunk.length, position);
        // The sizes follow the audio, so a file cut between the two reads one second short.
        await this.handle.write(sizesAfter.riff, 0, 4, RIFF_SIZE_OFFSET);
        await this.handle.write(sizesAfter.data, 0, 4, DATA_SIZE_OFFSET);
      } catch (error) {
        this.dataBytes = position - WAV_HEADER_BYTES;
        this.fail(recordingProblemOf(error, this.folder));
      } finally {
        this.pendingBytes -= chunk.length;
      }
    });
  }

  private fail(problem: RecordingProblem): void {
    if (this.problem) return;
    this.problem = problem;
    this.gathered = [];
    this.gatheredBytes = 0;
    const written = wavSizes(this.dataBytes);
    // The header is set to what reached the disk (best effort: the disk may be what failed).
    this.writes = this.writes.then(async () => {
      await this.handle.write(written.riff, 0, 4, RIFF_SIZE_OFFSET).catch(() => undefined);
      await this.handle.write(written.data, 0, 4, DATA_SIZE_OFFSET).catch(() => undefined);
      if (!this.closed) {
        this.closed = true;
        await this.handle.close().catch(() => undefined);
      }
    });
    for (const listener of this.failureListeners) listener(problem);
  }
}
