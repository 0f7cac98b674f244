import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The engine runs headless under the CLI and in Electron's main process alike; the
    // settings and history files are read and written by both.
    files: [
      'src-main/engine/**',
      'src-main/net/**',
      'src-main/sip/**',
      'src-main/media/**',
      'src-main/cli/**',
      'src-main/storage/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The engine never imports Electron.' }] },
      ],
    },
  },
  {
    // The phone, its doctor and the CLI reach STUN and TURN only through the NAT seam. (A
    // files entry's no-restricted-imports replaces the one above, so Electron is named again.)
    files: ['src-main/engine/**', 'src-main/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The engine never imports Electron.' }],
          patterns: [
            {
              group: [
                '**/net/stun-*',
                '**/net/turn-*',
                '**/net/binding-lifetime*',
                '**/net/relay-transport*',
              ],
              message: 'STUN and TURN are reached through src-main/nat/ (the NAT strategy seam).',
            },
          ],
        },
      ],
    },
  },
  {
    // The contract is shared by Node, the preload and the browser: no platform imports.
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron'],
          patterns: [
            {
              group: ['node:*', 'fs', 'dgram', 'net', 'os', 'path'],
              message: 'src-shared stays platform-free.',
            },
          ],
        },
      ],
    },
  },
  {
    // Raw IPC only where the contract is wired: the shell and the preload.
    // (The engine's folders ban Electron outright, above.)
    files: ['src-main/app/**/*.ts', 'src-renderer/**/*.{ts,tsx}', 'test/**/*.ts'],
    ignores: ['src-main/app/main.ts', 'src-main/app/preload.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message:
                'IPC goes through src-shared/ipc-contract.ts and src-main/app/ipc-router.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // Scripts a test hands to `node --import`.
    files: ['test/fixtures/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' },
    },
  },
);
