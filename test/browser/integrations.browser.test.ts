import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { startFakeJsonApi, type FakeJsonApi } from '../support/fake-json-api';
import { ADMIN_KEY } from '../support/stack';
import { startConsoleHarness, type ConsoleHarness } from './harness';

// The integrations pages against the real stack and a local fake JSON API (127.0.0.1 is allowlisted in tests):
// credentials made through the form generated from the credential type's JSON Schema (the page's own check and the
// API's errors next to the generated fields; the secret never shown back), an http-json integration whose config form
// comes from the provider's schema (the API refusing a URL outside the credential's allowed hosts, next to the url
// field), a sync started from the page and followed to succeeded without a reload, a second sync refused while one
// runs (the API's 409 message), a run cancelled, the records browsed and filtered; screenshots at 1280 and 390 px.

const TOKEN = 'upstream-token-7d2e91c4';
let h: ConsoleHarness;
let upstream: FakeJsonApi;

before(async () => {
  [h, upstream] = await Promise.all([startConsoleHarness(), startFakeJsonApi({ items: 25, auth: { header: 'authorization', value: `Bearer ${TOKEN}` } })]);
});
after(async () => {
  await h?.close();
  await upstream?.close();
});

/** Polls a condition on the page (the pages refetch on their own; nothing here reloads). */
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

async function until(page: Page, check: () => Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(200);
  }
}

/** The error shown for a control: the element its aria-describedby names whose id says it is an error. */
async function fieldError(page: Page, control: Locator): Promise<string> {
  await until(page, async () => (await control.getAttribute('aria-invalid')) === 'true', 'the control marked invalid', 15_000);
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => /(-|__)error$/.test(id));
  assert.equal(ids.length, 1, `the control is described by one error (${await control.getAttribute('aria-describedby')})`);
  return page.locator(`[id="${ids[0]}"]`).innerText();
}

/** A run's row in the history table, by its status badge and the counters' cells. */
async function runRow(page: Page, runId: number) {
  const row = page.locator('tbody tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${runId}$`) }) });
  const cells = await row.locator('td').allInnerTexts();
  return { status: cells[2], pages: cells[6], fetched: cells[7], inserted: cells[8], updated: cells[9], error: cells[10] };
}

describe('integrations pages', () => {
  let integrationUrl = '';

  test('credentials: a form generated from the type’s schema; errors next to their fields; the secret is write-only', async () => {
    const { page } = await h.newPage();
    await signIn(page);
    await page.goto(`${h.consoleUrl}integrations`);
    await page.locator('.subnav').getByRole('link', { name: 'Credentials' }).click();
    await page.getByText(/No credentials yet/).waitFor();
    await h.screenshot(page, 'credentials-empty');

    await page.getByRole('button', { name: 'New credentials' }).first().click();
    await page.getByRole('heading', { name: 'New credentials' }).waitFor();
    await page.getByRole('combobox', { name: /^Type/ }).selectOption({ label: 'Bearer token' });
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Fake API token');
    const token = page.locator('#secret_token');
    assert.equal(await token.getAttribute('type'), 'password', 'the secret field is a password input');
    // The page checks the generated fields against the schema first: the token is required.
    await page.getByRole('button', { name: 'Create' }).click();
    assert.equal(await fieldError(page, token), 'is required');

    // The API's own errors: a host it refuses, next to that host's input.
    await token.fill(TOKEN);
    await page.getByRole('textbox', { name: 'Host 1' }).fill('127.0.0.1');
    await page.getByRole('button', { name: 'Add a host' }).click();
    const second = page.getByRole('textbox', { name: 'Host 2' });
    await second.fill('not a host!');
    await h.screenshot(page, 'credential-form');
    await page.getByRole('button', { name: 'Create' }).click();
    assert.match(await fieldError(page, second), /must be a host name/);
    await page.getByRole('button', { name: 'Remove not a host!' }).click();
    await page.getByRole('button', { name: 'Create' }).click();

    // Saved: the page shows that the token is set, never the token.
    await page.getByText(/Created\. The secret is stored encrypted/).waitFor();
    await page.getByRole('heading', { name: 'Fake API token' }).waitFor();
    assert.equal(await page.locator('#secret_token').inputValue(), '', 'the secret is not filled back in');
    assert.match(await page.getByText(/^Set: token\./).innerText(), /Leave empty to keep the stored secret/);
    assert.ok(!(await page.content()).includes(TOKEN), 'the token is nowhere in the page');
    await h.screenshot(page, 'credential');

    // Renaming keeps the stored secret (nothing typed into it): the sync below still authenticates with it.
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Fake API token (local)');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();

    await page.getByRole('link', { name: 'All credentials' }).click();
    const row = page.locator('tbody tr', { hasText: 'Fake API token (local)' });
    await row.waitFor();
    assert.match(await row.innerText(), /token: set/);
    assert.match(await row.innerText(), /127\.0\.0\.1/);
    assert.ok(!(await page.content()).includes(TOKEN));
    await h.screenshot(page, 'credentials');
  });

  test('an http-json integration: config from the provider’s schema, the API’s error beside its field, sync from the page to succeeded', async () => {
    const port = new URL(upstream.url).port;
    const { page } = await h.newPage();
    await signIn(page);
    await page.goto(`${h.consoleUrl}integrations`);
    await page.getByText(/No integrations yet/).waitFor();
    await page.getByRole('button', { name: 'New integration' }).first().click();
    await page.getByRole('heading', { name: 'New integration' }).waitFor();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Fake items');
    await page.getByRole('combobox', { name: /^Provider/ }).selectOption('http-json');
    await page.getByRole('combobox', { name: /^Credentials/ }).selectOption({ label: 'Fake API token (local) (bearer-token; 127.0.0.1)' });
    // The config fields are rjsf's, generated from GET /providers' config_schema.
    const url = page.getByRole('textbox', { name: /^url/ });
    await url.fill(`http://localhost:${port}/page`); // a host the credentials may not go to
    await page.getByRole('textbox', { name: /^items_path/ }).fill('data');
    await page.getByRole('textbox', { name: /^modified_field/ }).fill('updated_at');
    await page.getByRole('combobox', { name: /^pagination/ }).selectOption({ label: 'page' });
    await page.getByRole('spinbutton', { name: /^page_size/ }).fill('10');
    await page.getByRole('textbox', { name: /^param/ }).fill('since');
    await page.getByRole('spinbutton', { name: /^Every/ }).fill('6');
    await page.getByRole('combobox', { name: /^Unit/ }).selectOption('hours');
    assert.equal(await page.locator('.next-runs li').count(), 5, 'the schedule editor previews the next runs');
    await page.getByRole('button', { name: 'Create' }).click();
    assert.match(await fieldError(page, url), /may only be sent to 127\.0\.0\.1, not localhost/);
    assert.equal(await page.getByRole('alert').filter({ hasText: 'body.config.url' }).count(), 0, 'shown by its field, not in the alert list');
    await h.screenshot(page, 'integration-form');

    await url.fill(`http://127.0.0.1:${port}/page`);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Fake items' }).waitFor();
    await page.getByText('Integration created').waitFor();
    integrationUrl = page.url();
    // Temporal's Schedule: every 6 hours, its next runs listed.
    assert.match(await page.locator('article').filter({ has: page.getByText('Schedule', { exact: true }) }).innerText(), /every 6 h/);
    await until(page, async () => (await page.locator('ol.next-runs li').count()) === 5, 'Temporal’s next runs');

    // Sync now, then watch the run end without reloading the page.
    await page.evaluate(() => Object.assign(window, { stillThisPage: true }));
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(/Run \d+ started\./).waitFor();
    const runId = Number(/Run (\d+) started/.exec(await page.getByText(/Run \d+ started\./).innerText())?.[1]);
    await until(page, async () => (await runRow(page, runId)).status === 'succeeded', 'the run succeeded', 60_000);
    const run = await runRow(page, runId);
    assert.deepEqual([run.pages, run.fetched, run.inserted, run.updated], ['3', '25', '25', '0'], JSON.stringify(run));
    assert.equal(await page.evaluate(() => (window as { stillThisPage?: boolean }).stillThisPage), true, 'no reload');
    await h.screenshot(page, 'integration');

    // A second sync while one runs is refused with the API's words; the running one can be cancelled.
    upstream.setLatency(1_500);
    await page.getByRole('button', { name: 'Full resync' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText(/Full resync started \(run \d+\)/).waitFor();
    const resyncId = Number(/run (\d+)/.exec(await page.getByText(/Full resync started/).innerText())?.[1]);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByRole('alert').filter({ hasText: /is syncing already \(run \d+/ }).waitFor();
    await page.getByText('A run is going; this list refreshes by itself.').waitFor();
    await h.screenshot(page, 'integration-running');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await until(page, async () => (await runRow(page, resyncId)).status === 'cancelled', 'the run cancelled', 60_000);
    upstream.setLatency(0);

    // The records it stored.
    await page.getByRole('link', { name: 'Browse records' }).click();
    await page.getByRole('heading', { name: 'Records of Fake items' }).waitFor();
    await until(page, async () => (await page.locator('tbody tr').count()) === 25, 'a page of records');
    await page.getByRole('textbox', { name: 'External id' }).fill('7');
    await page.getByRole('button', { name: 'Search' }).click();
    await until(page, async () => (await page.locator('tbody tr').count()) === 1, 'the one record');
    await page.getByRole('button', { name: 'View JSON' }).click();
    const json = await page.locator('.record-detail pre').innerText();
    assert.deepEqual(JSON.parse(json), { id: 7, name: 'item-7', updated_at: '2024-01-01T00:00:07.000Z' });
    await h.screenshot(page, 'integration-records');

    // The list shows the last run's status.
    await page.locator('.subnav').getByRole('link', { name: 'Integrations' }).click();
    const listed = page.locator('tbody tr', { hasText: 'Fake items' });
    await listed.waitFor();
    assert.match(await listed.innerText(), /every 6 h/);
    assert.match(await listed.innerText(), /cancelled|succeeded/);
    await h.screenshot(page, 'integrations');
  });

  test('the integration page at phone width', async () => {
    assert.ok(integrationUrl, 'made by the test before');
    const { page } = await h.newPage({ width: 390 });
    await signIn(page);
    await page.goto(integrationUrl);
    await page.getByRole('button', { name: 'Sync now' }).waitFor();
    await page.locator('tbody tr').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `nothing wider than the phone (${overflow}px more); tables scroll in their own box`);
    await h.screenshot(page, 'integration-phone');
  });
});
