/**
 * What recording needs of the desktop, and nothing more: a native folder picker and a way to
 * show a file in its folder. The Electron shell passes its dialog and shell (shell/
 * recording-desktop-electron.ts); the test bridge passes a double, so the end-to-end tests run
 * the same code path up to the native window.
 */
export interface RecordingDesktop {
  /** Asks the user for a folder, starting at `current`; null when the user cancelled. */
  chooseFolder(current: string): Promise<string | null>;
  /** Opens the file manager at the file, selected. */
  showFile(path: string): void;
}
