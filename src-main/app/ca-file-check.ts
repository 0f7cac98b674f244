/**
 * A CA file is checked when it is saved, so a wrong path is said beside the field that took it
 * rather than as a failed TLS handshake later. Only whether it reads as PEM certificates is
 * looked at; nothing of its content leaves this module.
 */
import { readFile, stat } from 'node:fs/promises';

/** More than any CA bundle; a larger file is not a certificate the user meant. */
const MAX_CA_FILE_BYTES = 1024 * 1024;
const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

export class CaFileProblem extends Error {
  readonly code = 'bad-ca-file';
}

/** Resolves when `path` is a readable file of PEM certificates; otherwise says why in words. */
export async function checkCaFile(path: string): Promise<void> {
  let text: string;
  try {
    // Looked at before it is opened: opening a pipe or a device could wait forever.
    const info = await stat(path);
    if (info.isDirectory()) throw new CaFileProblem(`${path} is a folder, not a file.`);
    if (!info.isFile()) throw new CaFileProblem(`${path} is not a file.`);
    if (info.size > MAX_CA_FILE_BYTES) {
      throw new CaFileProblem(`${path} is too large to be a CA certificate file.`);
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof CaFileProblem) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new CaFileProblem(`There is no file ${path}.`);
    if (code === 'EACCES') throw new CaFileProblem(`${path} cannot be read (no permission).`);
    throw new CaFileProblem(`${path} cannot be read.`);
  }
  if (!text.includes(PEM_CERTIFICATE)) {
    throw new CaFileProblem(
      `${path} holds no certificate in PEM form (a "${PEM_CERTIFICATE}" block).`,
    );
  }
}
