/**
 * The OIDC sign-in driven in headless Chromium (Debian's, through playwright-core) against the real stack and a
 * real OIDC provider: the browser follows the redirects, fills the provider's login form, comes back with the
 * session cookie (HttpOnly, SameSite=Lax: invisible to script), reads its session and CSRF token with fetch, writes
 * with and without the token, and signs out through the issuer (RP-initiated logout). Only the API and the provider
 * are under test: whatever /console serves (the console's build, or the note that it is not built) is just where the
 * browser lands. Skipped when chromium is not installed (CHROMIUM_PATH to point elsewhere).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureConsoleBuilt } from '../support/console-build';
import { startOidcProvider, type OidcTestProvider } from '../support/oidc-provider';
import { startStack, type Stack } from '../support/stack';

const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'screenshots');

function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** fetch from the page (same origin, the browser's cookies), answering status and JSON body. */
const pageFetch = (page: Page, path: string, init: { method?: string; csrf?: string; body?: unknown } = {}) =>
  page.evaluate(
    async ({ path, init }) => {
      const res = await fetch(path, {
        method: init.method ?? 'GET',
        headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    { path, init },
  );

const executablePath = chromiumPath();

describe('console OIDC sign-in in headless Chromium', { timeout: 180_000, skip: executablePath ? false : 'no chromium (apt-get install chromium, or set CHROMIUM_PATH)' }, () => {
  let s: Stack;
  let idp: OidcTestProvider;
  let browser: Browser;
  let api: string;

  before(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    idp = await startOidcProvider({
      redirectUris: [`${api}/auth/oidc/callback`],
      postLogoutRedirectUris: [`${api}/console/`],
      users: [
        { login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com', groups: ['relay-admins'] },
        { login: 'mallory', email: 'mallory@example.com', groups: ['marketing'] },
      ],
    });
    const { chromium } = await import('playwright-core');
    await ensureConsoleBuilt();
    [s, browser] = await Promise.all([
      startStack({
        withWorker: false,
        config: {
          API_PORT: String(port),
          OIDC_ISSUER_URL: idp.issuer,
          OIDC_CLIENT_ID: idp.clientId,
          OIDC_CLIENT_SECRET: idp.clientSecret!,
          OIDC_ADMIN_VALUES: 'relay-admins',
        },
      }),
      chromium.launch({ executablePath, args: ['--no-sandbox'] }),
    ]);
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await idp?.close();
  });

  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return { context, page };
  };

  const signIn = async (page: Page, login: string, returnTo = '/console/mailings') => {
    await page.goto(`${api}/auth/oidc/login?return_to=${encodeURIComponent(returnTo)}`);
    await page.getByRole('form', { name: 'Sign in to the test provider' }).waitFor();
    await page.getByLabel('Username').fill(login);
    await page.getByLabel('Password').fill('secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  test('sign in at the provider, land where asked with an HttpOnly session cookie, write with the CSRF token, sign out through the issuer', async () => {
    const { context, page } = await newPage();
    await page.goto(`${api}/auth/oidc/login`);
    await page.getByLabel('Username').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'oidc-test-provider-login.png') });
    await signIn(page, 'ada', '/console/mailings?status=running');
    await page.waitForURL(`${api}/console/mailings?status=running`);

    const cookie = (await context.cookies(api)).find((c) => c.name === 'relay_session');
    assert.ok(cookie, 'the session cookie is stored');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    assert.equal(await page.evaluate(() => document.cookie.includes('relay_session')), false, 'script cannot read it');

    const session = await pageFetch(page, '/api/v1/session');
    assert.equal(session.status, 200);
    assert.deepEqual(session.body.principal, { name: 'Ada Lovelace', role: 'admin', email: 'ada@example.com' });
    const csrf = session.body.csrf_token as string;
    const client = { phone: '79162220001', timezone: 'Europe/Moscow' };
    const refused = await pageFetch(page, '/api/v1/clients', { method: 'POST', body: client });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.errors[0].path, 'headers.x-csrf-token');
    const created = await pageFetch(page, '/api/v1/clients', { method: 'POST', body: client, csrf });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const out = await pageFetch(page, '/api/v1/session', { method: 'DELETE', csrf });
    assert.equal(out.status, 200);
    assert.ok(out.body.logout_url.startsWith(`${idp.issuer}/session/end?`));
    await page.goto(out.body.logout_url);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${api}/console/`);
    assert.equal((await pageFetch(page, '/api/v1/session')).body.authenticated, false);
    assert.equal((await pageFetch(page, '/api/v1/clients')).status, 401);
    await context.close();
  });

  test('a user without a Relay group comes back to the sign-in page with error=no_role and no session', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'mallory');
    await page.waitForURL(/\/console\/sign-in\?/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('error'), 'no_role');
    assert.equal(url.searchParams.get('return_to'), '/console/mailings');
    assert.equal((await context.cookies(api)).some((c) => c.name === 'relay_session'), false);
    assert.equal((await pageFetch(page, '/api/v1/session')).body.authenticated, false);
    await context.close();
  });

  test('through the console: its sign-in page, the provider, back on the overview as the mapped role, sign out', async () => {
    const { context, page } = await newPage();
    await page.goto(`${api}/console/clients`);
    await page.getByRole('heading', { name: 'Sign in to Relay' }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-sign-in.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill('secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${api}/console/clients`);
    await page.getByText('Signed in as Ada Lovelace (admin)').waitFor();
    await page.getByRole('heading', { name: 'Clients' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Relay' }).waitFor();
    assert.equal((await pageFetch(page, '/api/v1/session')).body.authenticated, false);

    // Someone the provider knows but Relay gives no role: the sign-in page says why.
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    await page.getByLabel('Username').fill('mallory');
    await page.getByLabel('Password').fill('secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Your account has no role in Relay').waitFor();
    await context.close();
  });
});
