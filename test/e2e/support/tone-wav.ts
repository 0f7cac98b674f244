import { writeFileSync } from 'node:fs';

/**
 * A mono 16-bit WAV of a tone, which Chromium loops as its fake microphone: steady, or with
 * `syllablesPerSecond` rising and falling by 20 dB that many times a second, as speech does, so
 * the level meters move as they do in a conversation (a whole number per file loops seamlessly).
 */
export function writeToneWav(
  path: string,
  frequency: number,
  seconds: number,
  options: { syllablesPerSecond?: number } = {},
): void {
  const syllables = options.syllablesPerSecond ?? 0;
  const rate = 48_000;
  const samples = rate * seconds;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    const swell =
      syllables > 0 ? 0.1 + 0.45 * (1 - Math.cos((2 * Math.PI * syllables * i) / rate)) : 1;
    const sample = swell * 9000 * Math.sin((2 * Math.PI * frequency * i) / rate);
    wav.writeInt16LE(Math.round(sample), 44 + i * 2);
  }
  writeFileSync(path, wav);
}
