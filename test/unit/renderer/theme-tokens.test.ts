/**
 * The themes switch colours only through the design tokens: no stylesheet but tokens.css names a
 * colour, every token a stylesheet uses is defined, and each colour token has a light and a dark
 * value.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../../src-renderer/src');
const TOKENS = join(SRC, 'theme/tokens.css');
const COLOUR = String.raw`#[0-9a-f]{3,8}\b|\b(?:rgba?|hsla?|hwb|oklch|oklab|lab|lch)\(|(?<![\w-])(?:white|black)(?![\w-])`;
const COLOUR_LITERAL = new RegExp(COLOUR, 'gi');
const HAS_COLOUR = new RegExp(COLOUR, 'i');

function stylesheets(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return stylesheets(path);
    return entry.name.endsWith('.css') ? [path] : [];
  });
}

const withoutComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '');
const defined = new Map(
  [...withoutComments(readFileSync(TOKENS, 'utf8')).matchAll(/(--[\w-]+):\s*([^;]+);/g)].map(
    (match) => [match[1] ?? '', match[2] ?? ''],
  ),
);

describe('design tokens', () => {
  it('no stylesheet but tokens.css writes a colour', () => {
    const found = stylesheets(SRC)
      .filter((file) => file !== TOKENS)
      .flatMap((file) =>
        [...withoutComments(readFileSync(file, 'utf8')).matchAll(COLOUR_LITERAL)].map(
          (match) => `${relative(SRC, file)}: ${match[0]}`,
        ),
      );
    expect(found).toEqual([]);
  });

  it('every token a stylesheet uses is defined in tokens.css', () => {
    const missing = stylesheets(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/var\((--[\w-]+)/g)]
        .map((match) => match[1] ?? '')
        .filter((name) => !defined.has(name))
        .map((name) => `${relative(SRC, file)}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('each colour token that differs between the themes is a light-dark() pair', () => {
    const colours = [...defined].filter(([, value]) => HAS_COLOUR.test(value));
    expect(colours.length).toBeGreaterThan(20);
    const single = colours.filter(
      ([name, value]) => !value.startsWith('light-dark(') && !/^--(brand-|on-danger)/.test(name),
    );
    expect(single).toEqual([]);
  });
});
