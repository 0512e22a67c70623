import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from '../support/console-build';
import { ADMIN_KEY, startStack, type Stack } from '../support/stack';
import type { FakeProviderOptions } from '../../fake-provider/fake-provider';

/** Screenshots of every page the browser tests visit: test-artifacts/screenshots/<name>.png (kept by CI runs). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts', 'screenshots');

/** Debian's chromium (CHROMIUM_PATH overrides); .ci/run installs it. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed (apt-get install -y chromium), or set CHROMIUM_PATH');
  }
}

export interface ConsoleHarness {
  stack: Stack;
  browser: Browser;
  /** The console's URL, e.g. http://127.0.0.1:41234/console/ */
  consoleUrl: string;
  /** A fresh browser context (own cookies) with one page; `width` 1280 by default, 390 for a phone. */
  newPage(options?: { width?: number; height?: number; locale?: string }): Promise<{ context: BrowserContext; page: Page }>;
  /** Signs in through the API-key form (ADMIN_KEY by default) and waits for the overview. */
  signInWithKey(page: Page, key?: string): Promise<void>;
  /** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** The real stack (API + worker + Temporal dev server + PostgreSQL + fake provider) and headless Chromium. */
export async function startConsoleHarness(
  options: { config?: Record<string, string>; withWorker?: boolean; provider?: Pick<FakeProviderOptions, 'random'> } = {},
): Promise<ConsoleHarness> {
  await ensureConsoleBuilt();
  const [stack, browser] = await Promise.all([
    startStack({ withWorker: options.withWorker, config: options.config, provider: options.provider }),
    chromium.launch({
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    }),
  ]);
  await fs.mkdir(SCREENSHOT_DIR, { recursive: true });
  const consoleUrl = `${stack.api.url}/console/`;
  const harness: ConsoleHarness = {
    stack,
    browser,
    consoleUrl,
    async newPage({ width = 1280, height = 900, locale = 'en-GB' } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, locale, timezoneId: 'Europe/Moscow' });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      return { context, page };
    },
    async signInWithKey(page, key = ADMIN_KEY) {
      await page.goto(consoleUrl);
      await page.getByLabel('API key', { exact: true }).fill(key);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    },
    async screenshot(page, name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close();
      await stack.close();
    },
  };
  return harness;
}
