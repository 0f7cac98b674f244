import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

/**
 * The desktop app build: main and preload bundled for Electron (the preload as one CommonJS file,
 * so it runs under `sandbox: true`), and the renderer. Output under dist/app, packaged by
 * electron-builder.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'dist/app/main',
      lib: { entry: 'src-main/app/main.ts' },
    },
  },
  preload: {
    build: {
      outDir: 'dist/app/preload',
      lib: { entry: 'src-main/app/preload.ts', formats: ['cjs'] },
      rollupOptions: { output: { entryFileNames: 'preload.cjs' } },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [react()],
    build: {
      outDir: 'dist/app/renderer',
      rollupOptions: { input: 'src-renderer/index.html' },
    },
  },
});
