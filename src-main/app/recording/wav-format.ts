/**
 * The 44-byte header of a RIFF WAVE file of 16-bit PCM (the canonical layout every player reads).
 * Written by hand rather than with a package: it is eleven fixed fields, and the recorder streams
 * audio to disk as the call runs and rewrites only the two size fields, which a library that
 * builds the whole file in memory (wavefile, for one) does not do.
 */
export const WAV_HEADER_BYTES = 44;
/** Offsets of the two sizes a growing file updates: the RIFF chunk's and the data chunk's. */
export const RIFF_SIZE_OFFSET = 4;
export const DATA_SIZE_OFFSET = 40;
const BYTES_PER_SAMPLE = 2;
/** The data chunk's size is a uint32 and the RIFF size adds 36 to it. */
export const MAX_WAV_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8);

/** The header of a mono 16-bit PCM file at `sampleRate` whose data chunk holds `dataBytes`. */
export function wavHeader(sampleRate: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, RIFF_SIZE_OFFSET);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // the fmt chunk's size for plain PCM
  header.writeUInt16LE(1, 20); // format 1: integer PCM
  header.writeUInt16LE(1, 22); // one channel
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * BYTES_PER_SAMPLE, 28); // bytes per second
  header.writeUInt16LE(BYTES_PER_SAMPLE, 32); // bytes per sample frame
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, DATA_SIZE_OFFSET);
  return header;
}

/** The two size fields alone, for rewriting in place as the file grows. */
export function wavSizes(dataBytes: number): { riff: Buffer; data: Buffer } {
  const riff = Buffer.alloc(4);
  riff.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes);
  const data = Buffer.alloc(4);
  data.writeUInt32LE(dataBytes);
  return { riff, data };
}

/** Samples as little-endian bytes, whatever the machine's own byte order. */
export function pcmBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * BYTES_PER_SAMPLE);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i] ?? 0, i * 2);
  return bytes;
}
