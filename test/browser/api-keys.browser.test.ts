import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_KEY } from '../support/stack';
import { startConsoleHarness, type ConsoleHarness } from './harness';

// The API keys page against the real stack: an admin makes a viewer key (shown once, with a copy button that puts it
// on the clipboard), the viewer signs in with it in a second browser and sees no write controls on the clients and
// integrations pages, a forged write from the viewer's page (with the session's CSRF token, and without it) is refused
// by the API, and the admin revokes the key: the viewer's session ends. Screenshots at 1280 px.

let h: ConsoleHarness;

before(async () => {
  h = await startConsoleHarness();
});
after(async () => {
  await h?.close();
});

/**
 * Signs in through the API-key form (the admin key by default). The harness's signInWithKey looks the field up by the
 * label "API key", which the form's own name ("Sign in with an API key") matches too.
 */
async function signIn(page: Page, key = ADMIN_KEY): Promise<void> {
  await page.goto(h.consoleUrl);
  await page.getByRole('textbox', { name: /^API key/ }).fill(key);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function until(page: Page, check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(200);
  }
}

/** Buttons and button-styled links that would change something, by their words on these pages. */
const WRITE_CONTROLS = /^(New client|Edit|Delete|New integration|New credentials|Sync now|Full resync|Cancel run|Save|Create)$/;

describe('API keys page', () => {
  test('a viewer key: made once with a copy button, a viewer without write controls, forged writes refused, revoked ends the session', async () => {
    // Something for the viewer to look at (made through the API as admin).
    const integration = await h.stack.http('POST', '/api/v1/integrations', {
      name: 'Read-only look',
      provider: 'http-json',
      config: { url: 'http://127.0.0.1:9/items' },
      schedule: { kind: 'interval', every_seconds: 3600 },
    });
    assert.equal(integration.status, 201, JSON.stringify(integration.body));
    assert.equal((await h.stack.http('POST', '/api/v1/clients', { phone: '79001234567', tag: 'look', timezone: 'Europe/Moscow' })).status, 201);

    const { context, page } = await h.newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(h.consoleUrl).origin });
    await signIn(page);
    await page.goto(`${h.consoleUrl}api-keys`);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByText(/No API keys yet/).waitFor();

    await page.getByRole('button', { name: 'New API key' }).click();
    await page.getByRole('textbox', { name: /^Name/ }).fill('Viewer in tests');
    await page.getByRole('combobox', { name: /^Role/ }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Copy this key now and keep it somewhere safe: it will not be shown again.').waitFor();
    const key = (await page.getByLabel('The new API key').innerText()).trim();
    assert.match(key, /^rk_/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key, 'the copy button put the key on the clipboard');
    const row = page.locator('tbody tr', { hasText: 'Viewer in tests' });
    assert.match(await row.innerText(), /viewer/);
    assert.match(await row.innerText(), new RegExp(key.slice(0, 6)));
    await h.screenshot(page, 'api-key-created');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    assert.ok(!(await page.content()).includes(key), 'the key is gone from the page once dismissed');
    await page.reload();
    await row.waitFor();
    assert.ok(!(await page.content()).includes(key), 'and is not shown again');

    // The viewer, in a browser of their own.
    const viewer = await h.newPage();
    const v = viewer.page;
    await signIn(v, key);
    await v.getByText('Signed in as Viewer in tests (viewer)').waitFor();
    await v.goto(`${h.consoleUrl}clients`);
    await v.locator('tbody tr', { hasText: '79001234567' }).waitFor();
    await v.getByText('Your role (viewer) can look but not change things here.').waitFor();
    assert.equal(await v.getByRole('button', { name: WRITE_CONTROLS }).count(), 0, 'no write controls on the clients page');
    await v.goto(`${h.consoleUrl}integrations`);
    await v.locator('tbody tr', { hasText: 'Read-only look' }).waitFor();
    assert.equal(await v.getByRole('button', { name: WRITE_CONTROLS }).count(), 0, 'no write controls on the integrations page');
    await v.getByRole('link', { name: 'Read-only look' }).click();
    await v.getByRole('heading', { name: 'Runs' }).waitFor();
    assert.equal(await v.getByRole('button', { name: WRITE_CONTROLS }).count(), 0, 'none on the integration page');
    assert.equal(await v.getByRole('switch').count(), 0, 'its active state is text, not a switch');
    await v.goto(`${h.consoleUrl}api-keys`);
    await v.getByText(/Only admins manage API keys/).waitFor();
    assert.equal(await v.getByRole('link', { name: 'API keys' }).count(), 0, 'no API keys link for a viewer');
    await v.goto(`${h.consoleUrl}integrations`);
    await v.locator('tbody tr', { hasText: 'Read-only look' }).waitFor();

    // Forged writes from the viewer's page: with the session's CSRF token the role is refused; without it, the token.
    const forged = await v.evaluate(async (integrationId) => {
      const session = await (await fetch('/api/v1/session')).json();
      const body = JSON.stringify({ phone: '79001112233', tag: 'forged', timezone: 'UTC' });
      const headers = { 'content-type': 'application/json' };
      const withToken = await fetch('/api/v1/clients', { method: 'POST', headers: { ...headers, 'x-csrf-token': session.csrf_token }, body });
      const withoutToken = await fetch('/api/v1/clients', { method: 'POST', headers, body });
      const sync = await fetch(`/api/v1/integrations/${integrationId}/sync`, { method: 'POST', headers: { ...headers, 'x-csrf-token': session.csrf_token }, body: '{}' });
      return { hadToken: typeof session.csrf_token === 'string', withToken: withToken.status, withoutToken: withoutToken.status, sync: sync.status, detail: (await withoutToken.json()).detail };
    }, integration.body.id);
    assert.equal(forged.hadToken, true);
    assert.deepEqual([forged.withToken, forged.withoutToken, forged.sync], [403, 403, 403], JSON.stringify(forged));
    assert.match(forged.detail, /X-CSRF-Token/);
    const clients = await h.stack.http('GET', '/api/v1/clients?tag=forged');
    assert.equal(clients.body.items.length, 0, 'nothing was written');

    // The admin revokes the key: the viewer's session ends at their next request.
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Key “Viewer in tests” revoked').waitFor();
    await row.getByText(/revoked/).waitFor(); // the list is read again after the revoke
    assert.match(await row.innerText(), /revoked/);
    // (No reload: the next page's request gets a 401, and the console goes back to sign-in.)
    await v.locator('.subnav').getByRole('link', { name: 'Credentials' }).click();
    await v.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await until(v, async () => new URL(v.url()).pathname === '/console/sign-in', 'the sign-in page');
    const after = await v.evaluate(async () => (await fetch('/api/v1/session')).json());
    assert.equal(after.authenticated, false);
    await h.screenshot(page, 'api-keys');
  });
});
