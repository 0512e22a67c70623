import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { isoToLocalInput } from '../../console/src/lib/format';
import { insertClients } from '../support/fixtures';
import { startConsoleHarness, type ConsoleHarness } from './harness';

// The mailings pages against the real stack: clients made in the UI, a mailing made with the filter builder (its
// preview count checked), its progress followed to completion without a reload, its messages, pause and resume on a
// slower provider, a problem+json error next to its field, and screenshots at 1280 and 390 px.

const ZONE = 'Europe/Moscow'; // the harness' browser time zone
let h: ConsoleHarness;


before(async () => {
  h = await startConsoleHarness({ config: { TEMPORAL_UI_URL: 'http://127.0.0.1:8233' } });
});
after(async () => {
  await h?.close();
});

async function createClientInUi(page: Page, phone: string, tag: string, timezone: string): Promise<void> {
  await page.getByRole('button', { name: 'New client' }).click();
  const form = page.getByRole('form', { name: 'New client' });
  await form.getByLabel('Phone', { exact: true }).fill(phone);
  await form.getByLabel('Tag', { exact: true }).fill(tag);
  await form.getByLabel('Time zone', { exact: true }).fill(timezone);
  await form.getByRole('button', { name: 'Create' }).click();
  await page.getByText(`Client ${phone} created.`).waitFor();
}

const local = (ms: number) => isoToLocalInput(new Date(ms).toISOString(), ZONE);

/** Text of a test id, as a number (counts are formatted for en-GB: "1,234"). */
async function figure(page: Page, testId: string): Promise<number> {
  return Number((await page.getByTestId(testId).innerText()).replace(/[^\d]/g, ''));
}

async function waitForFigure(page: Page, testId: string, check: (n: number) => boolean, what: string, timeoutMs = 60_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const n = await figure(page, testId).catch(() => Number.NaN);
    if (check(n)) return n;
    if (Date.now() > end) throw new Error(`${what}: ${testId} is ${n}`);
    await page.waitForTimeout(150);
  }
}

describe('mailings pages', () => {
  test('create clients and a mailing with the filter builder, then watch it complete without reloading', async () => {
    const { context, page } = await h.newPage();
    await h.signInWithKey(page);

    // Clients from the Clients page: two VIPs (operator 916) and one regular client (operator 903).
    await page.goto(`${h.consoleUrl}clients`);
    await createClientInUi(page, '79161110001', 'vip', 'Europe/Moscow');
    await createClientInUi(page, '79162220002', 'vip', 'Asia/Vladivostok');
    await createClientInUi(page, '79033330003', 'regular', 'Europe/Moscow');

    await page.goto(`${h.consoleUrl}mailings`);
    await page.getByText(/No mailings yet/).waitFor();
    await page.getByRole('button', { name: 'New mailing' }).first().click();
    const form = page.getByRole('form', { name: 'New mailing' });
    await form.getByLabel('Text').fill('Hello from the console');
    await form.getByText('22 / 1600 characters · 1 SMS part (GSM-7)').waitFor(); // the character counter
    // Before choosing anything every client matches.
    await page.getByTestId('match-count').getByText('3 clients match').waitFor();
    // The facets offer the tags and operator codes from the data, with their counts.
    const vip = form.getByRole('checkbox', { name: /^vip/ });
    assert.match((await form.locator('label.chip', { has: page.getByRole('checkbox', { name: /^vip/ }) }).innerText()).replace(/\s+/g, ' '), /vip 2/);
    await vip.check();
    await page.getByTestId('match-count').getByText('2 clients match').waitFor();
    await form.getByRole('checkbox', { name: /^916/ }).check();
    await page.getByTestId('match-count').getByText('2 clients match').waitFor();
    await form.getByRole('checkbox', { name: /^903/ }).check();
    await page.getByTestId('match-count').getByText('2 clients match').waitFor(); // 903 has no VIP: still the two
    await form.getByRole('checkbox', { name: /^903/ }).uncheck();
    // The preview lists the matching clients' zones with their local time.
    await form.getByRole('cell', { name: 'Asia/Vladivostok' }).waitFor();

    // ends_at before starts_at: the API's problem+json names body.ends_at, shown next to the Ends field.
    const now = Date.now();
    await form.getByLabel('Starts', { exact: true }).fill(local(now + 3_600_000));
    await form.getByLabel('Ends', { exact: true }).fill(local(now + 60_000));
    // A rate cap out of range is caught before asking the API, next to its field; a valid one is kept.
    const rate = form.getByLabel('Max messages per second', { exact: true });
    await rate.fill('0');
    await form.getByRole('button', { name: 'Create mailing' }).click();
    await form.locator('div.field', { has: page.getByLabel('Max messages per second', { exact: true }) }).getByRole('alert').getByText('must be a whole number from 1 to 100,000, or empty').waitFor();
    await rate.fill('250');
    await form.getByRole('button', { name: 'Create mailing' }).click();
    const endsField = form.locator('div.field', { has: page.getByLabel('Ends', { exact: true }) });
    await endsField.getByRole('alert').getByText('must be after starts_at').waitFor();
    assert.equal(await form.getByLabel('Ends', { exact: true }).getAttribute('aria-invalid'), 'true');
    await h.screenshot(page, 'mailing-form');

    // Fix it: start now, end in a day.
    await form.getByLabel('Starts', { exact: true }).fill(local(now - 60_000));
    await form.getByLabel('Ends', { exact: true }).fill(local(now + 86_400_000));
    await form.getByRole('button', { name: 'Create mailing' }).click();
    await page.waitForURL(/\/console\/mailings\/\d+$/);
    const url = page.url();
    assert.equal(await page.getByTestId('send-rate').innerText(), '250');

    // The page follows the mailing to its end by itself (no reload): 2 sent, phase and status completed.
    await waitForFigure(page, 'count-sent', (n) => n === 2, 'both messages sent');
    await page.getByRole('heading', { level: 1 }).getByText('completed').waitFor({ timeout: 30_000 });
    assert.equal(page.url(), url, 'no navigation happened');
    await page.getByText('Final', { exact: true }).waitFor();
    assert.match(await page.getByTestId('progress-figures').innerText(), /2 of 2 messages done/);
    assert.equal(await figure(page, 'count-pending'), 0);

    // The messages table: both sent; filtering by a status with none shows the empty state.
    const messages = page.locator('#messages');
    await messages.getByRole('cell', { name: '79161110001' }).waitFor();
    await messages.getByRole('cell', { name: '79162220002' }).waitFor();
    assert.equal(await messages.locator('tbody tr').count(), 2);
    await messages.getByLabel('Status').selectOption('failed');
    await messages.getByText('No message has this status.').waitFor();
    await messages.getByLabel('Status').selectOption('sent');
    await messages.getByRole('cell', { name: '79161110001' }).waitFor();
    assert.equal(await messages.locator('tbody tr').count(), 2);
    // The sent-over-time chart and the run in Temporal.
    await page.getByRole('img', { name: 'Sent over time' }).waitFor();
    const temporal = page.getByRole('link', { name: /Open the run in Temporal/ });
    assert.match((await temporal.getAttribute('href')) ?? '', /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/mailing-\d+$/);
    await h.screenshot(page, 'mailing-completed');

    // The list by status.
    await page.getByRole('link', { name: '← All mailings' }).click();
    await page.getByRole('button', { name: /^completed/ }).click();
    await page.getByRole('link', { name: /Hello from the console/ }).waitFor();
    await page.getByRole('button', { name: /^running/ }).click();
    await page.getByText('No mailing is running.').waitFor();
    await page.getByRole('button', { name: /^All/ }).click();
    await page.getByText('2 of 2 sent').waitFor();
    await page.mouse.move(0, 0);
    await page.waitForTimeout(400); // the buttons' colour transition
    await h.screenshot(page, 'mailings');
    await context.close();
  });

  test('pause and resume a longer mailing from its page; its live progress shows the zone groups', async () => {
    h.stack.provider.configure({ latencyMs: 300 });
    await insertClients(h.stack.tdb.db, 40, { operator: '926', tag: 'bulk', timezone: 'Asia/Yekaterinburg' });
    await insertClients(h.stack.tdb.db, 20, { operator: '926', tag: 'bulk', timezone: 'Europe/London' });
    const { context, page } = await h.newPage();
    await h.signInWithKey(page);
    await page.goto(`${h.consoleUrl}mailings/new`);
    const form = page.getByRole('form', { name: 'New mailing' });
    // The preview counts at once on a fresh page load (its POST carries the session's CSRF token from the start).
    await page.getByTestId('match-count').getByText(/\d+ clients? match/).waitFor();
    await form.getByLabel('Text').fill('A longer one');
    await form.getByRole('checkbox', { name: /^bulk/ }).check();
    await page.getByTestId('match-count').getByText('60 clients match').waitFor();
    await form.getByRole('button', { name: 'Create mailing' }).click();
    await page.waitForURL(/\/console\/mailings\/\d+$/);
    const mailingPath = new URL(page.url()).pathname.replace('/console/', '');

    await waitForFigure(page, 'count-sent', (n) => n > 0, 'sending started');
    await page.getByText('● Live').waitFor(); // the event stream, not polling
    await page.getByRole('cell', { name: /Asia\/Yekaterinburg/ }).first().waitFor(); // a zone group
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.getByRole('heading', { level: 1 }).getByText('paused').waitFor({ timeout: 15_000 });
    const atPause = await figure(page, 'count-sent');
    await page.waitForTimeout(2_000);
    const later = await figure(page, 'count-sent');
    assert.ok(later - atPause <= 5, `at most the requests in flight finish after the pause (${atPause} -> ${later})`);
    assert.ok((await figure(page, 'count-pending')) > 0, 'messages wait while paused');
    await h.screenshot(page, 'mailing-progress');

    // While paused, edit it: what a started mailing still lets change is editable, the audience is not.
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: /^Edit mailing #\d+$/ });
    await page.getByText(/It is paused: the text, the end, the send window and the sending rate can still change/).waitFor();
    assert.equal(await edit.getByRole('checkbox', { name: /^bulk/ }).isDisabled(), true, 'the audience is fixed once started');
    assert.equal(await edit.getByLabel('Starts', { exact: true }).isDisabled(), true);
    await edit.getByLabel('Text', { exact: true }).fill('A longer one, edited');
    assert.equal(await edit.getByLabel('Max messages per second', { exact: true }).inputValue(), '', 'no cap of its own yet');
    await edit.getByLabel('Max messages per second', { exact: true }).fill('1000'); // the rate stays editable while paused
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await page.getByText('A longer one, edited').waitFor();
    assert.equal(await page.getByTestId('send-rate').innerText(), '1,000');

    await page.getByRole('button', { name: 'Resume' }).click();
    await waitForFigure(page, 'count-sent', (n) => n === 60, 'all sent after resume');
    await page.getByRole('heading', { level: 1 }).getByText('completed').waitFor({ timeout: 30_000 });
    await context.close();

    // The mailing page at phone width.
    const phone = await h.newPage({ width: 390, height: 844 });
    await h.signInWithKey(phone.page);
    await phone.page.goto(`${h.consoleUrl}${mailingPath}`);
    await phone.page.getByTestId('count-sent').getByText('60').waitFor();
    await h.screenshot(phone.page, 'mailing-390');
    await phone.context.close();
    h.stack.provider.configure({ latencyMs: 0 });
  });

  test('without the event stream the page polls; a viewer sees no controls', async () => {
    const created = await h.stack.http('POST', '/api/v1/mailings', {
      text: 'Polled',
      starts_at: new Date(Date.now() + 8_000).toISOString(), // scheduled while the page opens, then it runs
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      filter: { operator_codes: [], tags: ['vip'] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { context, page } = await h.newPage();
    // A proxy that refuses event streams: the page falls back to short polling and still sees the end.
    await page.route('**/api/v1/mailings/*/events', (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: '{"title":"no streams"}' }));
    await h.signInWithKey(page);
    await page.goto(`${h.consoleUrl}mailings/${created.body.id}`);
    await page.getByText('● Updating every 1.5 s').waitFor();
    await page.getByRole('heading', { level: 1 }).getByText('completed').waitFor({ timeout: 30_000 });
    await waitForFigure(page, 'count-sent', (n) => n === 2, 'both sent, seen by polling');
    await context.close();

    const viewer = await h.stack.http('POST', '/api/v1/api-keys', { name: 'viewer for the console', role: 'viewer' });
    assert.equal(viewer.status, 201, JSON.stringify(viewer.body));
    const v = await h.newPage();
    await h.signInWithKey(v.page, viewer.body.key);
    await v.page.goto(`${h.consoleUrl}mailings/${created.body.id}`);
    await v.page.getByTestId('count-sent').getByText('2').waitFor();
    await v.page.getByText(/Your role \(viewer\) can look but not change things here/).waitFor();
    for (const name of ['Edit', 'Pause', 'Cancel mailing', 'Delete']) assert.equal(await v.page.getByRole('button', { name, exact: true }).count(), 0, `no ${name} for a viewer`);
    await v.page.goto(`${h.consoleUrl}mailings`);
    await v.page.getByRole('link', { name: /Polled/ }).waitFor();
    assert.equal(await v.page.getByRole('button', { name: 'New mailing' }).count(), 0);
    await v.context.close();
  });
});
