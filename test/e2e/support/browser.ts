/**
 * Debian's Chromium for the end-to-end tests: where it and the built renderer are, the flags it
 * runs with here, and why a suite cannot run when they are missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO } from '../../lab/support/peers.js';
import { hasCommand } from '../../support/lab-guard.js';

export const CHROMIUM = '/usr/bin/chromium';
export const RENDERER = join(REPO, 'dist/app/renderer');
export const SCREENS = join(REPO, 'test-results/screens');
export const DOCS_SCREENS = join(REPO, 'docs/screens');

/** No sandbox (root in a container), no GPU, nothing fetched in the background. */
const HEADLESS_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fake microphone (a tone, or the file given) granted without asking. */
export const FAKE_MICROPHONE_FLAGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

export function launchChromium(
  options: { executablePath?: string; extraArgs?: string[] } = {},
): Promise<Browser> {
  return chromium.launch({
    executablePath: options.executablePath ?? CHROMIUM,
    args: [...HEADLESS_FLAGS, ...(options.extraArgs ?? [])],
  });
}

/** Why the app cannot run on loopback against sipp and coturn here; null when it can. */
export function loopbackAppUnavailableReason(): string | null {
  if (!existsSync(CHROMIUM)) return 'needs Debian chromium';
  if (!hasCommand('sipp') || !hasCommand('turnserver')) return 'needs sipp and coturn';
  if (!existsSync(join(RENDERER, 'index.html'))) return 'needs the built renderer (npm run build)';
  return null;
}

/**
 * The whole page in one picture, as a window that tall shows it: the tab bar sticks to the foot
 * of the viewport, so a capture beyond a short viewport would paint it across the middle.
 */
export async function fullPageScreenshot(page: Page, path: string): Promise<void> {
  const viewport = page.viewportSize();
  const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
  if (viewport && height > viewport.height) {
    await page.setViewportSize({ width: viewport.width, height });
  }
  try {
    await page.screenshot({ path, animations: 'disabled' });
  } finally {
    if (viewport) await page.setViewportSize(viewport);
  }
}

/** Waits until the page's network pill is green: registered, and the NAT path checked. */
export async function untilNetworkReady(page: Page): Promise<void> {
  await expect
    .poll(() => page.getByRole('button', { name: /^Network:/ }).getAttribute('class'), {
      timeout: 10_000,
    })
    .toContain('green');
}

/** Opens the Settings page at one of its sections, as a user does: its tab, then the jump list. */
export async function openSettingsSection(page: Page, section: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Sections', exact: true })
    .getByRole('button', { name: 'Settings', exact: true })
    .click();
  await page
    .getByRole('navigation', { name: 'Settings sections' })
    .getByRole('link', { name: section, exact: true })
    .click();
}
