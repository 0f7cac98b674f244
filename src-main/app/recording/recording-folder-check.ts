/**
 * A recordings folder is checked when it is chosen, so a folder that cannot take files is said
 * beside the setting, not when the first recording fails.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { RecordingProblem, recordingProblemOf } from './wav-file-writer.js';

/** Resolves when `folder` is a folder Natter may write in; otherwise says why in words. */
export async function checkRecordingFolder(folder: string): Promise<void> {
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) throw new RecordingProblem(`${folder} is not a folder.`, 'ENOTDIR');
    await access(folder, constants.W_OK);
  } catch (error) {
    const problem = recordingProblemOf(error, folder);
    if (problem.code === 'ENOENT') {
      throw new RecordingProblem(`There is no folder ${folder}.`, 'ENOENT');
    }
    throw problem;
  }
}
