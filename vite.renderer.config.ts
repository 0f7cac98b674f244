import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The renderer as static files: loaded by Electron from disk, or by the test bridge in Chromium. */
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true },
});
