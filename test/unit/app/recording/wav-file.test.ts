import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '../../../../src-shared/audio-format.js';
import { pcmBytes, wavHeader } from '../../../../src-main/app/recording/wav-format.js';
import {
  WavFileWriter,
  type WavFileHandle,
} from '../../../../src-main/app/recording/wav-file-writer.js';
import { mixFrames, CallAudioMixer } from '../../../../src-main/app/recording/call-audio-mixer.js';
import {
  fileNamePartOf,
  recordingFileName,
} from '../../../../src-main/app/recording/recording-file-name.js';

const folder = () => mkdtempSync(join(tmpdir(), 'natter-wav-'));
const frame = (value: number, length = AUDIO_FRAME_SAMPLES) => new Int16Array(length).fill(value);
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the WAV header', () => {
  it('is the canonical 44 bytes of mono 16-bit PCM, byte for byte', () => {
    const header = wavHeader(8000, 320);
    expect(header.toString('hex')).toBe(
      [
        '52494646', // RIFF
        '64010000', // 36 + 320
        '57415645', // WAVE
        '666d7420', // "fmt "
        '10000000', // 16
        '0100', // PCM
        '0100', // mono
        '401f0000', // 8000 Hz
        '803e0000', // 16000 bytes a second
        '0200', // 2 bytes a sample frame
        '1000', // 16 bits
        '64617461', // data
        '40010000', // 320
      ].join(''),
    );
    expect(wavHeader(16_000, 0).readUInt32LE(28)).toBe(32_000);
  });

  it('writes samples little-endian', () => {
    expect(pcmBytes(Int16Array.from([1, -2, 0x1234])).toString('hex')).toBe('0100feff3412');
  });
});

describe('the WAV file writer', () => {
  it('keeps the header sizes current while it writes, and exact once closed', async () => {
    const path = join(folder(), 'call.wav');
    const writer = await WavFileWriter.create(path, '/tmp', {
      sampleRate: AUDIO_SAMPLE_RATE,
      flushSeconds: 0.04,
    });
    expect(readFileSync(path).length).toBe(44);
    expect(readFileSync(path).readUInt32LE(40)).toBe(0);
    for (let i = 0; i < 3; i++) writer.append(frame(i + 1));
    await settle();
    // Two frames (40 ms) made a write; the file as it stands now, cut here, opens with them.
    const midway = readFileSync(path);
    expect(midway.readUInt32LE(40)).toBe(2 * AUDIO_FRAME_SAMPLES * 2);
    expect(midway.readUInt32LE(4)).toBe(36 + 2 * AUDIO_FRAME_SAMPLES * 2);
    expect(midway.length).toBe(44 + 2 * AUDIO_FRAME_SAMPLES * 2);
    await writer.close();
    const done = readFileSync(path);
    expect(done.length).toBe(44 + 3 * AUDIO_FRAME_SAMPLES * 2);
    expect(done.readUInt32LE(40)).toBe(3 * AUDIO_FRAME_SAMPLES * 2);
    expect(done.readUInt32LE(4)).toBe(done.length - 8);
    expect(done.readInt16LE(44)).toBe(1);
    expect(done.readInt16LE(done.length - 2)).toBe(3);
    expect(writer.seconds).toBeCloseTo((3 * AUDIO_FRAME_SAMPLES) / AUDIO_SAMPLE_RATE);
  });

  it('refuses to overwrite a file that is there', async () => {
    const path = join(folder(), 'call.wav');
    await (await WavFileWriter.create(path, '/tmp', { sampleRate: 8000 })).close();
    await expect(WavFileWriter.create(path, '/tmp', { sampleRate: 8000 })).rejects.toMatchObject({
      code: 'EEXIST',
    });
  });

  it('says plainly that a folder is gone', async () => {
    const gone = join(folder(), 'not-here');
    await expect(
      WavFileWriter.create(join(gone, 'call.wav'), gone, { sampleRate: 8000 }),
    ).rejects.toThrow(`The recordings folder ${gone} is not there any more.`);
  });

  it('a full disk stops the recording with a plain error, and the header says what reached the disk', async () => {
    const writes: { position: number; bytes: Buffer }[] = [];
    let audioWrites = 0;
    let closed = false;
    const handle: WavFileHandle = {
      write: async (buffer, offset, length, position) => {
        if (position >= 44 && ++audioWrites === 2) {
          throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        }
        writes.push({ position, bytes: Buffer.from(buffer.subarray(offset, offset + length)) });
      },
      close: async () => {
        closed = true;
      },
    };
    const writer = await WavFileWriter.create('/x/call.wav', '/x', {
      sampleRate: 8000,
      flushSeconds: 0.02,
      openFile: async () => handle,
    });
    const failures: string[] = [];
    writer.onFailure((problem) => failures.push(problem.message));
    writer.append(frame(1));
    writer.append(frame(2));
    writer.append(frame(3));
    await settle();
    expect(failures).toEqual(['The disk is full.']);
    expect(writer.failure?.code).toBe('ENOSPC');
    writer.append(frame(4));
    await writer.close();
    expect(closed).toBe(true);
    // The last data size written is the one frame that made it, and no audio after the failure.
    const sizes = writes.filter((write) => write.position === 40);
    expect(sizes.at(-1)?.bytes.readUInt32LE(0)).toBe(AUDIO_FRAME_SAMPLES * 2);
    expect(writes.filter((write) => write.position >= 44)).toHaveLength(1);
  });

  it('gives up, not the memory, when the disk does not keep up', async () => {
    const handle: WavFileHandle = {
      write: (_buffer, _offset, _length, position) =>
        position === 0 ? Promise.resolve() : new Promise(() => undefined),
      close: async () => undefined,
    };
    const writer = await WavFileWriter.create('/x/call.wav', '/x', {
      sampleRate: 8000,
      flushSeconds: 0.02,
      maxPendingSeconds: 0.1,
      openFile: async () => handle,
    });
    for (let i = 0; i < 10; i++) writer.append(frame(i));
    expect(writer.failure?.message).toBe('The disk is not keeping up with the recording.');
  });
});

describe('mixing both directions', () => {
  it('adds the two sides and clips rather than wraps', () => {
    expect([
      ...mixFrames(Int16Array.from([1000, 30000, -30000]), Int16Array.from([-200, 5000, -5000])),
    ]).toEqual([800, 32767, -32768]);
  });

  it('pairs each sent frame with the received one that follows, and lets one side go alone after 40 ms', () => {
    const out: number[] = [];
    const mixer = new CallAudioMixer((mixed) => out.push(mixed[0] ?? NaN));
    mixer.push('near', frame(1));
    mixer.push('far', frame(10));
    mixer.push('near', frame(2));
    mixer.push('far', frame(20));
    expect(out).toEqual([11, 22]);
    // The far end goes quiet: our frames wait two intervals for a partner, then go alone.
    mixer.push('near', frame(3));
    mixer.push('near', frame(4));
    expect(out).toEqual([11, 22]);
    mixer.push('near', frame(5));
    expect(out).toEqual([11, 22, 3]);
    mixer.push('far', frame(40));
    expect(out).toEqual([11, 22, 3, 44]);
    mixer.drain();
    expect(out).toEqual([11, 22, 3, 44, 5]);
  });
});

describe('recording file names', () => {
  it('carry the local date, time and number, and nothing Windows or macOS refuses', () => {
    const at = new Date(2026, 11, 1, 9, 5, 7);
    expect(recordingFileName(at, '15145550100')).toBe('Call 2026-12-01 09-05-07 15145550100.wav');
    expect(recordingFileName(at, '15145550100', 2)).toBe(
      'Call 2026-12-01 09-05-07 15145550100 (2).wav',
    );
    expect(fileNamePartOf('sip:alice@example.com')).toBe('alice');
    expect(fileNamePartOf('a:b/c\\d*e?f"g<h>i|j')).toBe('a_b_c_d_e_f_g_h_i_j');
    expect(fileNamePartOf('..')).toBe('unknown');
    expect(fileNamePartOf('x'.repeat(200))).toHaveLength(40);
    for (const name of [recordingFileName(at, 'CON:?\u0007'), recordingFileName(at, '')]) {
      // eslint-disable-next-line no-control-regex
      expect(name).not.toMatch(/[\\/:*?"<>|\u0000-\u001f]/);
    }
  });
});
