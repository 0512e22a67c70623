import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, waitFor } from '../support/stack';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';
import { verify } from '../support/webhooks';
import { startConsoleHarness, type ConsoleHarness } from './harness';

// The webhooks pages against the real stack and a local receiver (127.0.0.1 is allowlisted in tests): an endpoint
// made in the UI (the API's error next to the URL field; the secret shown once, with a copy button, gone after a
// reload), a test send showing the receiver's answer, disable and enable, an event type registered with a schema, an
// event published through the API followed to its delivery and attempts (response bodies, resend), an endpoint
// disabled by a 410 recovered with its progress, a viewer seeing header names only, screenshots at 1280 and 390 px.

let h: ConsoleHarness;
let rx: TestReceiver;

before(async () => {
  [h, rx] = await Promise.all([startConsoleHarness(), startTestReceiver()]);
});
after(async () => {
  await h?.close();
  await rx?.close();
});

/**
 * Signs in through the API-key form. (The harness' signInWithKey asks for getByLabel('API key'), which also matches
 * the form named "Sign in with an API key"; scoped to the form's own field here.)
 */
async function signIn(page: Page, key: string = ADMIN_KEY): Promise<void> {
  await page.goto(h.consoleUrl);
  const form = page.getByRole('form', { name: 'Sign in with an API key' });
  await form.getByRole('textbox', { name: /^API key/ }).fill(key);
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Polls a condition on the page (the pages refetch on their own; nothing here reloads). */
async function until(page: Page, check: () => Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(200);
  }
}

/** The error message shown for a labelled control (its aria-describedby error element). */
async function fieldError(page: Page, control: ReturnType<Page['getByLabel']>): Promise<string> {
  await until(page, async () => (await control.getAttribute('aria-invalid')) === 'true', 'the control marked invalid', 15_000);
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id.endsWith('-error'));
  assert.equal(ids.length, 1, 'the control is described by its error');
  return page.locator(`[id="${ids[0]}"]`).innerText();
}

describe('webhooks pages', () => {
  let endpointId = 0;
  let secret = '';

  test('create an endpoint: the API error next to the URL, the secret once with a copy button, test send, disable and enable', async () => {
    rx.script('/hook', [], { status: 200, body: '{"received":true,"by":"test receiver"}' });
    const { context, page } = await h.newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(h.consoleUrl).origin });
    await signIn(page);
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByText(/No endpoints yet/).waitFor();

    await page.getByRole('button', { name: 'New endpoint' }).click();
    const form = page.getByRole('form', { name: 'New endpoint' });
    // The catalogue's types and prefixes are offered as filters.
    await form.getByRole('checkbox', { name: 'mailing.*' }).waitFor();
    const url = form.getByLabel('URL');
    await url.fill('not a url');
    await form.getByRole('button', { name: 'Create' }).click();
    assert.equal(await fieldError(page, url), 'must be an absolute URL');

    await url.fill(`${rx.url}/hook`);
    await form.getByLabel('Description').fill('Orders to the test receiver');
    await form.getByRole('button', { name: 'Add header' }).click();
    await form.getByLabel('Header name').fill('x-tenant');
    await form.getByLabel('Value').fill('acme');
    await form.getByRole('button', { name: 'Create' }).click();

    const shown = page.getByTestId('webhook-secret');
    await shown.waitFor();
    secret = (await shown.innerText()).trim();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
    await page.getByText('it is shown this once').waitFor();
    const copy = page.getByRole('button', { name: 'Copy secret' });
    await copy.click();
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await h.screenshot(page, 'webhooks-endpoint-created');

    await page.reload();
    await page.getByRole('link', { name: `${rx.url}/hook` }).waitFor();
    assert.equal(await page.getByTestId('webhook-secret').count(), 0, 'the secret is not shown again');
    assert.equal((await page.content()).includes(secret), false, 'nor is it anywhere in the page');

    await page.getByRole('link', { name: `${rx.url}/hook` }).click();
    await page.waitForURL(/\/console\/webhooks\/endpoints\/\d+$/);
    endpointId = Number(page.url().split('/').pop());
    await page.getByRole('heading', { level: 1, name: /enabled/ }).waitFor();
    await page.getByText('x-tenant').first().waitFor();

    // Test send: the receiver's answer in the page; the request was signed with the secret shown above.
    await page.getByRole('button', { name: 'Send test' }).click();
    const answer = page.getByTestId('test-response-body');
    await answer.waitFor();
    assert.equal(await answer.innerText(), '{"received":true,"by":"test receiver"}');
    const result = page.getByRole('region', { name: 'Answer' });
    await result.getByText('delivered', { exact: true }).waitFor();
    await result.getByText('200', { exact: true }).waitFor();
    const [request] = rx.received('/hook');
    assert.equal(request.headers['x-tenant'], 'acme');
    assert.equal(verify(secret, request).type, 'webhook.test');

    // Disable and enable.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('heading', { level: 1, name: /disabled/ }).waitFor();
    await page.getByText('disabled by a user').waitFor();
    await page.getByText('Disabled since').waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('heading', { level: 1, name: /enabled/ }).waitFor();
    assert.equal(await page.getByText('Disabled since').count(), 0);
    await context.close();
  });

  test('register an event type with a JSON Schema; its errors next to the field', async () => {
    const { context, page } = await h.newPage();
    await signIn(page);
    await page.goto(`${h.consoleUrl}webhooks/event-types`);
    await page.getByRole('heading', { name: 'Event types' }).waitFor();
    // Relay's own types are listed with their schemas.
    await page.getByRole('article', { name: 'webhook.test' }).waitFor();

    await page.getByRole('button', { name: 'Register type' }).click();
    const form = page.getByRole('form', { name: 'Register type' });
    const name = form.getByLabel('Name');
    const schema = form.getByLabel('JSON Schema');
    await name.fill('Order Created');
    await form.getByRole('button', { name: 'Create' }).click();
    assert.match(await fieldError(page, name), /dot-separated lowercase words/);

    await name.fill('order.created');
    await schema.fill('{"type": "object", "required": ["id"]');
    await form.getByRole('button', { name: 'Create' }).click();
    assert.match(await fieldError(page, schema), /^Not valid JSON/);
    await schema.fill('{"type": "object", "properties": {"id": {"type": "nope"}}}');
    await form.getByRole('button', { name: 'Create' }).click();
    assert.match(await fieldError(page, schema), /is not a usable JSON Schema/);

    await schema.fill(JSON.stringify({ type: 'object', required: ['id'], properties: { id: { type: 'string' }, total: { type: 'number' } } }));
    await form.getByLabel('Description').fill('An order was placed');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Event type order.created registered.').waitFor();
    const card = page.getByRole('article', { name: 'order.created' });
    await card.getByText('An order was placed').waitFor();
    await card.getByText('JSON Schema').click();
    const pretty = await card.locator('pre').innerText();
    assert.deepEqual(JSON.parse(pretty), { type: 'object', required: ['id'], properties: { id: { type: 'string' }, total: { type: 'number' } } });
    assert.match(pretty, /\n {2}"type": "object"/, 'pretty-printed');
    await h.screenshot(page, 'webhooks-event-types');
    await context.close();
  });

  test('an event published through the API: its deliveries and attempts with response bodies; resend', async () => {
    assert.ok(endpointId > 0, 'the first test made the endpoint');
    const s = h.stack;
    rx.script('/hook', [{ status: 500, body: 'try again later' }], { status: 200, body: '{"ok":"order-1"}' });
    const published = await s.http('POST', '/api/v1/webhooks/events', { type: 'order.created', payload: { id: 'order-1', total: 12.5 } });
    assert.equal(published.status, 202, JSON.stringify(published.body));
    const eventId: number = published.body.id;

    const { context, page } = await h.newPage();
    await signIn(page);
    await page.goto(`${h.consoleUrl}webhooks/events`);
    await page.getByRole('link', { name: `#${eventId}` }).waitFor();
    await h.screenshot(page, 'webhooks-events');
    await page.getByRole('link', { name: `#${eventId}` }).click();
    await page.getByRole('heading', { level: 1, name: `Event #${eventId} order.created` }).waitFor();
    assert.match(await page.locator('pre.body').first().innerText(), /"id": "order-1"/);

    // The first attempt failed (500): the delivery waits for its next attempt, which succeeds; the page follows.
    const deliveries = page.getByRole('region', { name: 'Deliveries' });
    const row = deliveries.getByRole('row', { name: new RegExp(`${rx.url}/hook`) });
    await until(page, async () => /succeeded/.test(await row.innerText()), 'the delivery succeeded after its retry');
    assert.match(await row.innerText(), /\b2\b/, 'two attempts');
    const attempts = page.getByRole('region', { name: `Attempts to ${rx.url}/hook` });
    await attempts.getByText('try again later').waitFor();
    await attempts.getByText('{"ok":"order-1"}').waitFor();
    await attempts.getByRole('button', { name: 'Show attempt 1' }).click();
    const detail = page.getByRole('article', { name: `Attempt 1 of event #${eventId} (order.created)` });
    assert.equal(await detail.locator('pre').innerText(), 'try again later');
    await detail.getByText('500', { exact: true }).waitFor();
    await h.screenshot(page, 'webhooks-event');

    // Resend: a third attempt, triggered by the resend.
    await row.getByRole('button', { name: 'Resend' }).click();
    await page.getByText(`Delivery to ${rx.url}/hook started again.`).waitFor();
    await until(page, async () => (await attempts.getByRole('row').count()) === 4, 'the resent attempt listed'); // header + 3
    assert.match(await attempts.getByRole('row').nth(1).innerText(), /resend/);

    // The endpoint's attempt log has the event's attempts; a filter narrows it.
    await page.goto(`${h.consoleUrl}webhooks/endpoints/${endpointId}`);
    const log = page.getByRole('region', { name: 'Attempts', exact: true });
    await log.getByText(`#${eventId} order.created`).first().waitFor();
    const filters = page.getByRole('search', { name: 'Attempt filters' });
    await filters.getByLabel('HTTP status').fill('500');
    await filters.getByRole('button', { name: 'Search' }).click();
    await until(page, async () => (await log.getByRole('row').count()) === 2, 'only the 500 left');
    assert.match(await log.getByRole('row').nth(1).innerText(), /try again later/);
    await filters.getByRole('button', { name: 'Clear' }).click();
    await until(page, async () => (await log.getByRole('row').count()) === 5, 'the whole log: test + 3 attempts');
    await context.close();
  });

  test('an endpoint disabled by a 410 shows why; enable, recover failed deliveries with progress, rotate the secret', async () => {
    const s = h.stack;
    rx.script('/gone', [{ status: 410, body: 'unsubscribed' }], { status: 200, body: 'welcome back' });
    const gone = await s.http('POST', '/api/v1/webhooks/endpoints', { url: `${rx.url}/gone`, description: 'Retired receiver', event_types: ['order.*'] });
    assert.equal(gone.status, 201, JSON.stringify(gone.body));
    const event = await s.http('POST', '/api/v1/webhooks/events', { type: 'order.created', payload: { id: 'order-2' } });
    assert.equal(event.status, 202);
    await waitFor(async () => (await s.http('GET', `/api/v1/webhooks/endpoints/${gone.body.id}`)).body.enabled === false, 30_000, 'disabled by the 410');

    const { context, page } = await h.newPage();
    await signIn(page);
    await page.goto(`${h.consoleUrl}webhooks`);
    const goneRow = page.getByRole('row', { name: new RegExp(`${rx.url}/gone`) });
    await goneRow.getByText('disabled', { exact: true }).waitFor();
    await goneRow.getByText(/410/).first().waitFor();
    await h.screenshot(page, 'webhooks-endpoints');

    await goneRow.getByRole('link', { name: `${rx.url}/gone` }).click();
    await page.getByRole('heading', { level: 1, name: /disabled/ }).waitFor();
    await page.getByText('Disabled since').waitFor();
    await page.getByText('No recovery has run for this endpoint.').waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('heading', { level: 1, name: /enabled/ }).waitFor();

    // Recover since an hour ago: the run is followed until it completes.
    const recover = page.getByRole('button', { name: 'Recover', exact: true });
    await recover.click();
    const latest = page.getByRole('region', { name: 'Latest recovery' });
    await latest.getByText('Deliveries restarted: 1; failed in the period now: 0.').waitFor({ timeout: 30_000 });
    await latest.getByText('completed').waitFor();
    await waitFor(() => rx.received('/gone').length === 2, 30_000, 'the recovered delivery');

    // Rotate the secret: the new one shown once, the previous one signing for 24 h more.
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    const rotated = page.getByTestId('webhook-secret');
    await rotated.waitFor();
    assert.match((await rotated.innerText()).trim(), /^whsec_/);
    await page.getByText('The previous secret keeps signing beside the new one until').waitFor();
    await page.getByRole('button', { name: 'Copy secret' }).waitFor();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    assert.equal(await page.getByTestId('webhook-secret').count(), 0);

    await page.goto(`${h.consoleUrl}webhooks/endpoints/${endpointId}`);
    await page.getByRole('region', { name: 'Attempts', exact: true }).waitFor();
    await page.getByRole('group', { name: 'Delivery figures' }).getByText(/%/).waitFor();
    await h.screenshot(page, 'webhooks-endpoint');
    await context.close();

    const phone = await h.newPage({ width: 390, height: 844 });
    await signIn(phone.page);
    await phone.page.goto(`${h.consoleUrl}webhooks/endpoints/${endpointId}`);
    await phone.page.getByRole('region', { name: 'Attempts', exact: true }).waitFor();
    await phone.page.getByRole('group', { name: 'Delivery figures' }).getByText(/%/).waitFor();
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling of the page at phone width (${width} px)`);
    await h.screenshot(phone.page, 'webhooks-endpoint-phone');
    await phone.context.close();
  });

  test('a viewer sees header names but not their values, and no write controls', async () => {
    assert.ok(endpointId > 0, 'the first test made the endpoint');
    const viewer = await h.stack.http('POST', '/api/v1/api-keys', { name: 'webhooks viewer', role: 'viewer' });
    assert.equal(viewer.status, 201);
    const { context, page } = await h.newPage();
    await signIn(page, viewer.body.key);
    await page.goto(`${h.consoleUrl}webhooks/endpoints/${endpointId}`);
    await page.getByRole('heading', { level: 1, name: /enabled/ }).waitFor();
    await page.getByText('x-tenant').first().waitFor();
    assert.equal(await page.getByText('acme').count(), 0, 'the value is not shown');
    await page.getByText(/can look but not change/).waitFor();
    for (const name of ['Send test', 'Rotate secret', 'Disable', 'Edit', 'Recover']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `no ${name} button`);
    }
    await context.close();
  });
});
