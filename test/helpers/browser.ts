import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Screenshots of the browser tests land here (kept by CI as artifacts; git-ignored). */
export const ARTIFACTS = join(import.meta.dirname, '../../test-results');

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium (scripts/setup.sh --with-browser installs it; CHROMIUM_PATH overrides), headless. */
export async function launchChromium(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/** The narrow phone the dashboard must fit (issue 19): 360 CSS pixels wide. */
export const PHONE = { width: 360, height: 740 } as const;

/**
 * Checks that the page fits a phone's width: the document does not scroll sideways, and every table (uPlot's legend
 * aside) sits in a scroll box of its own, so a wide one scrolls inside itself.
 */
export async function expectFitsPhone(page: Page, what: string): Promise<void> {
  const fit = await page.evaluate<{ scrollWidth: number; unboxedTables: number }>(`({
    scrollWidth: document.documentElement.scrollWidth,
    unboxedTables: [...document.querySelectorAll('#view table:not(.u-legend)')].filter(
      (t) => !t.parentElement.classList.contains('scroll'),
    ).length,
  })`);
  expect(fit.scrollWidth, `${what}: the page's width`).toBeLessThanOrEqual(PHONE.width);
  expect(fit.unboxedTables, `${what}: tables outside a scroll box`).toBe(0);
}
