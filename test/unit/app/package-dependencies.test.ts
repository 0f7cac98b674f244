import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
/** What the installed app and the `natter` CLI run: electron-builder ships these folders' imports. */
const APP_SOURCES = ['src-main', 'src-shared', 'src-renderer/src', 'bin'];

function sourceFilesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFilesUnder(path);
    return /\.(?:ts|tsx|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** The packages a source file imports or requires, by their package name. */
function packagesImportedBy(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/\bfrom\s+'([^'.][^']*)'/g),
    ...source.matchAll(/\bimport\(\s*'([^'.][^']*)'\s*\)/g),
    ...source.matchAll(/\brequire\(\s*'([^'.][^']*)'\s*\)/g),
  ].map((match) => match[1] ?? '');
  return specifiers
    .filter((specifier) => !specifier.startsWith('node:'))
    .map((specifier) => {
      const parts = specifier.split('/');
      return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
    });
}

describe('package.json dependencies', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const imported = new Set(
    APP_SOURCES.flatMap((folder) => sourceFilesUnder(join(ROOT, folder))).flatMap((file) =>
      packagesImportedBy(readFileSync(file, 'utf8')),
    ),
  );

  // electron-builder packs every production dependency into the installer: one that only the
  // tests use would be shipped to every user for nothing.
  it('lists as a production dependency only what the app and the CLI import', () => {
    const unused = Object.keys(manifest.dependencies).filter((name) => !imported.has(name));
    expect(unused).toEqual([]);
  });

  // And one the app imports but only devDependencies lists is missing from the installed app.
  it('lists every package the app and the CLI import, Electron aside, as a production dependency', () => {
    const declared = new Set(Object.keys(manifest.dependencies));
    const missing = [...imported].filter(
      (name) => name !== 'electron' && !declared.has(name) && name in manifest.devDependencies,
    );
    expect(missing).toEqual([]);
  });
});
