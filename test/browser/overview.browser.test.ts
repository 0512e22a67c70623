import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startFakeJsonApi, type FakeJsonApi } from '../support/fake-json-api';
import { insertClients } from '../support/fixtures';
import { createCredential, createIntegration, finishedRun, syncNow } from '../support/integrations';
import { waitFor } from '../support/stack';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';
import { startConsoleHarness, type ConsoleHarness } from './harness';

// The overview (the console's home page) after a mailing ran, its webhooks were delivered and an integration synced:
// every figure and chart has data, and the time range can be changed (also to a custom one).

let h: ConsoleHarness;
let receiver: TestReceiver;
let upstream: FakeJsonApi;
const TOKEN = 'overview-upstream-token-1';

before(async () => {
  [h, receiver, upstream] = await Promise.all([
    startConsoleHarness(),
    startTestReceiver(),
    startFakeJsonApi({ items: 12, auth: { header: 'authorization', value: `Bearer ${TOKEN}` } }),
  ]);
  const s = h.stack;
  // A webhook endpoint for the mailing's events (one delivery refused, so the success rate is below 100%).
  const endpoint = await s.http('POST', '/api/v1/webhooks/endpoints', { url: `${receiver.url}/hook`, event_types: ['mailing.*'] });
  assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
  receiver.script('/hook', [{ status: 500, body: 'try again' }]);
  // A mailing to 12 clients, run to completion.
  await insertClients(s.tdb.db, 12, { operator: '916', tag: 'overview', timezone: 'Europe/Moscow' });
  const mailing = await s.http('POST', '/api/v1/mailings', {
    text: 'Overview figures',
    starts_at: new Date(Date.now() - 60_000).toISOString(),
    ends_at: new Date(Date.now() + 3_600_000).toISOString(),
    filter: { operator_codes: [], tags: ['overview'] },
  });
  assert.equal(mailing.status, 201, JSON.stringify(mailing.body));
  await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${mailing.body.id}`)).body.status === 'completed', 60_000, 'mailing completed');
  // An integration sync run against the fake JSON API.
  const credential = await createCredential(s, 'bearer-token', { token: TOKEN });
  const integration = await createIntegration(s, {
    provider: 'http-json',
    credential_id: credential.id,
    config: { url: `${upstream.url}/page`, items_path: 'data', modified_field: 'updated_at', pagination: { type: 'page', page_size: 10 }, since: { param: 'since', format: 'iso' } },
  });
  const run = await syncNow(s, integration.id);
  assert.equal((await finishedRun(s, integration.id, run.id)).status, 'succeeded');
  // The webhook deliveries (the refused one retried) are in the attempt log.
  await waitFor(() => receiver.received('/hook').length >= 3, 60_000, 'webhook deliveries');
});
after(async () => {
  await h?.close();
  await receiver?.close();
  await upstream?.close();
});


const figure = async (page: Page, testId: string) => (await page.getByTestId(testId).innerText()).trim();

test('the overview shows messages, mailings, webhooks and syncs, and its time range can be changed', async () => {
  const { context, page } = await h.newPage();
  await h.signInWithKey(page);
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();

  // Figures for the default range (the last 24 hours).
  await page.getByTestId('figure-sent').getByText('12').waitFor();
  assert.equal(await figure(page, 'figure-failed'), '0');
  assert.match(await figure(page, 'figure-webhook-success'), /^\d+(\.\d)?%$/);
  assert.notEqual(await figure(page, 'figure-webhook-success'), '100%', 'one delivery was refused');
  assert.match(await figure(page, 'figure-latency'), /ms|s/);
  assert.ok(Number(await figure(page, 'figure-syncs')) >= 1, 'the sync run counted');
  assert.equal(await figure(page, 'mailings-completed'), '1');
  // The charts render (uPlot draws a canvas in each).
  for (const name of ['Messages per hour', 'Webhook deliveries per hour', 'Sync runs per hour']) {
    const chart = page.getByRole('img', { name });
    await chart.waitFor();
    assert.equal(await chart.locator('canvas').count(), 1, `${name} drawn`);
  }
  assert.equal(await page.getByText('No mailing is running.').count(), 1);
  await h.screenshot(page, 'overview');

  // The last hour: minute buckets, the same figures, kept in the address.
  await page.getByLabel('Time range').selectOption('1h');
  await page.waitForURL(/range=1h/);
  await page.getByRole('img', { name: 'Messages per minute' }).waitFor();
  assert.equal(await figure(page, 'figure-sent'), '12');

  // A custom range that ended before anything happened: the empty states say so.
  await page.getByLabel('Time range').selectOption('custom');
  await page.getByLabel('From', { exact: true }).fill('2026-01-01T00:00');
  await page.getByLabel('To', { exact: true }).fill('2026-01-02T00:00');
  await page.waitForURL(/range=custom/);
  await page.getByText(/No message reached a final status in this range/).waitFor();
  assert.equal(await figure(page, 'figure-sent'), '0');
  await page.getByText(/No webhook delivery attempt in this range/).waitFor();
  await page.getByText(/No integration sync ran in this range/).waitFor();
  // Reloading keeps the range.
  await page.reload();
  await page.getByText(/No message reached a final status in this range/).waitFor();
  await context.close();

  // At phone width.
  const phone = await h.newPage({ width: 390, height: 844 });
  await h.signInWithKey(phone.page);
  await phone.page.getByTestId('figure-sent').getByText('12').waitFor();
  await phone.page.getByRole('img', { name: 'Messages per hour' }).waitFor();
  await h.screenshot(phone.page, 'overview-390');
  await phone.context.close();
});
