/**
 * Recording's desktop needs met by Electron: the native folder dialog, over the app's window
 * when there is one, and the file manager showing a recording selected.
 */
import type { BrowserWindow, Dialog, Shell } from 'electron';
import type { RecordingDesktop } from '../recording/recording-desktop.js';

export function electronRecordingDesktop(
  dialog: Pick<Dialog, 'showOpenDialog'>,
  shell: Pick<Shell, 'showItemInFolder'>,
  window: () => BrowserWindow | null,
): RecordingDesktop {
  return {
    chooseFolder: async (current) => {
      const options = {
        title: 'Folder for call recordings',
        defaultPath: current,
        buttonLabel: 'Use this folder',
        properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[],
      };
      const parent = window();
      const result = parent
        ? await dialog.showOpenDialog(parent, options)
        : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    showFile: (path) => shell.showItemInFolder(path),
  };
}
