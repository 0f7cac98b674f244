#!/usr/bin/env node
// `npm run dist` runs Electron's own tooling (electron 45, @electron/rebuild in electron-builder),
// which needs Node.js 22.12 or later; the CLI, the build and the tests run on Node.js 20.19 too.
// Said plainly here, before electron-builder fails halfway with an unrelated-looking error.
const REQUIRED = [22, 12];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < REQUIRED[0] || (major === REQUIRED[0] && minor < REQUIRED[1])) {
  console.error(
    `npm run dist needs Node.js ${REQUIRED.join('.')} or later (Electron 45 and @electron/rebuild ` +
      `ask for it); this is Node.js ${process.versions.node}. The natter CLI, \`npm run build\` ` +
      'and the tests run on Node.js 20.19 or later.',
  );
  process.exit(1);
}
