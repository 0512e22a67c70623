import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { insertClients } from '../support/fixtures';
import { startConsoleHarness, type ConsoleHarness } from './harness';

// The clients page against the real stack: 60 seeded clients (four kinds of tag, operator code and time zone, mixed)
// paged through with the API's cursor, narrowed by the filters (also to nothing: the empty state), a client created
// through the form after a problem+json error shown next to its field, edited (a bad time zone first) and deleted
// after its confirmation. Screenshots at 1280 and 390 px.

let h: ConsoleHarness;

const KINDS = [
  { tag: 'vip', operator: '916', timezone: 'Europe/Moscow' },
  { tag: 'retail', operator: '926', timezone: 'Asia/Vladivostok' },
  { tag: '', operator: '903', timezone: 'Europe/London' },
  { tag: 'vip', operator: '926', timezone: 'Asia/Yekaterinburg' },
] as const;
type Seeded = { id: number; phone: string; tag: string; operator: string; timezone: string };
let seeded: Seeded[] = [];

const PAGE = 25; // the page's limit
const NEW_PHONE = '79995550101'; // operator 999: none of the seeded clients have it

before(async () => {
  h = await startConsoleHarness();
  // One at a time, so ids (the list's order) alternate between the kinds: 15 clients of each.
  for (let i = 0; i < 60; i++) {
    const kind = KINDS[i % KINDS.length];
    const [row] = await insertClients(h.stack.tdb.db, 1, { tag: kind.tag, operator: kind.operator, timezone: kind.timezone });
    seeded.push({ ...row, ...kind });
  }
  seeded = seeded.sort((a, b) => a.id - b.id);
});
after(async () => {
  await h?.close();
});

async function openClients(width?: number): Promise<{ close: () => Promise<void>; page: Page }> {
  const { context, page } = await h.newPage(width ? { width, height: 844 } : undefined);
  page.setDefaultTimeout(30_000); // a slow machine
  await h.signInWithKey(page);
  await page.goto(`${h.consoleUrl}clients`);
  await page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
  return { close: () => context.close(), page };
}

const table = (page: Page): Locator => page.getByRole('region', { name: 'Clients' });

/** The phones shown in the table, in order (none while the page shows no table). */
async function shownPhones(page: Page): Promise<string[]> {
  return (await table(page).locator('tbody tr td:nth-child(2)').allInnerTexts()).map((s) => s.trim());
}

/**
 * Waits until the table shows exactly these phones in this order (the list keeps the previous page on screen while
 * the next one loads, so a row count alone could be the old page's).
 */
async function waitForPhones(page: Page, expected: string[], what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let shown: string[] = [];
  for (;;) {
    shown = await shownPhones(page).catch(() => []);
    if (shown.length === expected.length && shown.every((p, i) => p === expected[i])) return;
    if (Date.now() > end) throw new Error(`${what}: the table shows ${shown.length} rows [${shown.slice(0, 3).join(', ')}…], expected ${expected.length} [${expected.slice(0, 3).join(', ')}…]`);
    await page.waitForTimeout(150);
  }
}

const phones = (rows: Seeded[]): string[] => rows.map((r) => r.phone);

/** Fills the filter form (empty strings clear a field) and presses Search. */
async function search(page: Page, filters: Partial<Record<'Phone' | 'Tag' | 'Operator code' | 'Time zone', string>>): Promise<void> {
  const form = page.getByRole('form', { name: 'Filters' });
  for (const [label, value] of Object.entries(filters)) await form.getByLabel(label, { exact: true }).fill(value);
  await form.getByRole('button', { name: 'Search' }).click();
}

const pager = (page: Page) => page.getByRole('navigation', { name: 'pagination' });

/** The field (label, control, hint, error) of a form control. */
const fieldOf = (form: Locator, label: string): Locator => form.locator('div.field', { has: form.page().getByLabel(label, { exact: true }) });

describe('clients page', () => {
  test('the seeded list pages through with the cursor, the filters narrow it, and a filter matching nothing is an empty state', async () => {
    const { page, close } = await openClients();

    // The first page: the 25 lowest ids, with their columns, and a pager that can only go forward.
    await waitForPhones(page, phones(seeded.slice(0, PAGE)), 'first page');
    const first = table(page).locator('tbody tr').first();
    const cells = (await first.locator('td').allInnerTexts()).map((s) => s.trim());
    assert.equal(cells[0], String(seeded[0].id));
    assert.deepEqual(cells.slice(1, 5), [seeded[0].phone, '916', 'vip', 'Europe/Moscow']);
    assert.match(cells[5], /\d{1,2}:\d{2}/, 'the local time now');
    assert.equal(await table(page).getByRole('columnheader').count(), 8, 'id, phone, operator, tag, zone, local time, created, actions');
    assert.equal(await pager(page).getByRole('button', { name: 'First page' }).isDisabled(), true);
    assert.equal(await pager(page).getByRole('button', { name: 'Next page' }).isEnabled(), true);
    await page.mouse.move(0, 0);
    await h.screenshot(page, 'clients');

    // Next, next: 25, then the last 10 with no next page; back to the first.
    await pager(page).getByRole('button', { name: 'Next page' }).click();
    await waitForPhones(page, phones(seeded.slice(PAGE, 2 * PAGE)), 'second page');
    assert.equal(await pager(page).getByRole('button', { name: 'First page' }).isEnabled(), true);
    await pager(page).getByRole('button', { name: 'Next page' }).click();
    await waitForPhones(page, phones(seeded.slice(2 * PAGE)), 'last page');
    assert.equal(await pager(page).getByRole('button', { name: 'Next page' }).isDisabled(), true, 'no page after the last');
    await page.mouse.move(0, 0);
    await h.screenshot(page, 'clients-last-page');
    await pager(page).getByRole('button', { name: 'First page' }).click();
    await waitForPhones(page, phones(seeded.slice(0, PAGE)), 'first page again');

    // Tag vip: 30 clients, so two pages; the filter goes along to the next page.
    const vip = seeded.filter((c) => c.tag === 'vip');
    await search(page, { Tag: 'vip' });
    await waitForPhones(page, phones(vip.slice(0, PAGE)), 'vip, first page');
    await pager(page).getByRole('button', { name: 'Next page' }).click();
    await waitForPhones(page, phones(vip.slice(PAGE)), 'vip, second page');
    assert.equal(await pager(page).getByRole('button', { name: 'Next page' }).isDisabled(), true);

    // A new search goes back to the first page: vip on 926 is one kind, 15 clients, one page and so no pager.
    await search(page, { 'Operator code': '926' });
    const vip926 = seeded.filter((c) => c.tag === 'vip' && c.operator === '926');
    await waitForPhones(page, phones(vip926), 'vip on 926');
    assert.equal(await pager(page).count(), 0, 'one page: no pager');
    for (const text of await table(page).locator('tbody tr').allInnerTexts()) assert.match(text, /\b926\b.*\bvip\b.*Asia\/Yekaterinburg/s);
    await page.mouse.move(0, 0);
    await h.screenshot(page, 'clients-filtered');

    // By time zone alone, then by one exact phone.
    await search(page, { Tag: '', 'Operator code': '', 'Time zone': 'Europe/London' });
    await waitForPhones(page, phones(seeded.filter((c) => c.timezone === 'Europe/London')), 'Europe/London');
    await search(page, { 'Time zone': '', Phone: seeded[41].phone });
    await waitForPhones(page, [seeded[41].phone], 'one phone');

    // Nothing matches: the empty state says so (not the "no clients at all" one); Clear brings the whole list back.
    await search(page, { Phone: '', Tag: 'nobody-has-this-tag' });
    await page.getByText('No client matches these filters.').waitFor();
    assert.equal(await table(page).count(), 0, 'no table');
    assert.equal(await pager(page).count(), 0, 'no pager');
    await page.mouse.move(0, 0);
    await h.screenshot(page, 'clients-empty');
    await page.getByRole('form', { name: 'Filters' }).getByRole('button', { name: 'Clear' }).click();
    await waitForPhones(page, phones(seeded.slice(0, PAGE)), 'cleared');
    assert.equal(await page.getByRole('form', { name: 'Filters' }).getByLabel('Tag', { exact: true }).inputValue(), '');
    await close();

    // The list at phone width (the table scrolls sideways inside its region).
    const phone = await openClients(390);
    await waitForPhones(phone.page, phones(seeded.slice(0, PAGE)), 'first page at 390 px');
    await h.screenshot(phone.page, 'clients-390');
    await phone.close();
  });

  test('create a client (after a field error from the API), edit it (after a bad time zone), delete it after confirming', async () => {
    const { page, close } = await openClients();
    await waitForPhones(page, phones(seeded.slice(0, PAGE)), 'first page');

    // A phone the API refuses: its problem+json error is shown under the Phone field, which is marked invalid.
    await page.getByRole('button', { name: 'New client' }).click();
    const form = page.getByRole('form', { name: 'New client' });
    assert.equal(await form.getByLabel('Time zone', { exact: true }).inputValue(), 'Europe/Moscow', "the browser's zone by default");
    await form.getByLabel('Phone', { exact: true }).fill('8900123');
    await form.getByLabel('Tag', { exact: true }).fill('walk-in');
    await form.getByLabel('Time zone', { exact: true }).fill('Asia/Novosibirsk');
    await form.getByRole('button', { name: 'Create' }).click();
    const phoneField = fieldOf(form, 'Phone');
    await phoneField.getByRole('alert').getByText('must be 7XXXXXXXXXX (11 digits starting with 7)').waitFor();
    assert.equal(await form.getByLabel('Phone', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(await fieldOf(form, 'Time zone').getByRole('alert').count(), 0, 'no error on the other fields');
    assert.equal(await form.getByLabel('Tag', { exact: true }).inputValue(), 'walk-in', 'what was typed is kept');
    await page.mouse.move(0, 0);
    await h.screenshot(page, 'clients-form-error');

    // Fixed: created, the operator code taken from the phone; the form closes.
    await form.getByLabel('Phone', { exact: true }).fill(NEW_PHONE);
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByText(`Client ${NEW_PHONE} created.`).waitFor();
    await form.waitFor({ state: 'detached' });
    const created = await h.stack.http('GET', `/api/v1/clients?phone=${NEW_PHONE}`);
    assert.equal(created.body.items.length, 1, JSON.stringify(created.body));
    assert.deepEqual(
      { operator: created.body.items[0].operator_code, tag: created.body.items[0].tag, timezone: created.body.items[0].timezone },
      { operator: '999', tag: 'walk-in', timezone: 'Asia/Novosibirsk' },
    );
    // It is the newest, so it is listed last: on the third page.
    await pager(page).getByRole('button', { name: 'Next page' }).click();
    await waitForPhones(page, phones(seeded.slice(PAGE, 2 * PAGE)), 'second page');
    await pager(page).getByRole('button', { name: 'Next page' }).click();
    await waitForPhones(page, [...phones(seeded.slice(2 * PAGE)), NEW_PHONE], 'last page with the new client');

    // Edit on one row, then Edit on another: the form shows the second client's values, not the first one's.
    const [other] = phones(seeded.slice(-1));
    await table(page).locator('tbody tr', { hasText: other }).getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('form', { name: `Edit client ${other}` }).waitFor();
    await table(page).locator('tbody tr', { hasText: NEW_PHONE }).getByRole('button', { name: 'Edit' }).click();
    const switched = page.getByRole('form', { name: `Edit client ${NEW_PHONE}` });
    await switched.waitFor();
    assert.equal(await switched.getByLabel('Phone', { exact: true }).inputValue(), NEW_PHONE);
    assert.equal(await switched.getByLabel('Tag', { exact: true }).inputValue(), 'walk-in');

    // Edit it from its row: the form holds its values; a zone the API does not know is an error under Time zone.
    await search(page, { Phone: NEW_PHONE });
    await waitForPhones(page, [NEW_PHONE], 'the new client alone');
    const row = table(page).locator('tbody tr', { hasText: NEW_PHONE });
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: `Edit client ${NEW_PHONE}` });
    assert.equal(await edit.getByLabel('Phone', { exact: true }).inputValue(), NEW_PHONE);
    assert.equal(await edit.getByLabel('Operator code', { exact: true }).inputValue(), '999');
    assert.equal(await edit.getByLabel('Tag', { exact: true }).inputValue(), 'walk-in');
    await edit.getByLabel('Tag', { exact: true }).fill('vip');
    await edit.getByLabel('Time zone', { exact: true }).fill('Mars/Olympus_Mons');
    await edit.getByRole('button', { name: 'Save' }).click();
    await fieldOf(edit, 'Time zone').getByRole('alert').getByText('must be an IANA time zone such as Europe/Moscow').waitFor();
    assert.equal(await edit.getByLabel('Time zone', { exact: true }).getAttribute('aria-invalid'), 'true');
    await page.mouse.move(0, 0);
    await h.screenshot(page, 'clients-edit');
    await edit.getByLabel('Time zone', { exact: true }).fill('Asia/Yekaterinburg');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await edit.waitFor({ state: 'detached' });
    await row.getByRole('cell', { name: 'Asia/Yekaterinburg', exact: true }).waitFor(); // the list is read again
    assert.deepEqual((await row.locator('td').allInnerTexts()).slice(1, 5).map((s) => s.trim()), [NEW_PHONE, '999', 'vip', 'Asia/Yekaterinburg']);

    // Delete: the first press only asks; Cancel keeps the client, Confirm deletes it.
    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = row.getByRole('group');
    await confirm.getByText('Are you sure?').waitFor();
    await page.mouse.move(0, 0);
    await h.screenshot(page, 'clients-delete-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Delete' }).waitFor();
    assert.equal((await h.stack.http('GET', `/api/v1/clients?phone=${NEW_PHONE}`)).body.items.length, 1, 'cancelled: still there');
    await row.getByRole('button', { name: 'Delete' }).click();
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Client deleted; their pending messages were cancelled.').waitFor();
    await page.getByText('No client matches these filters.').waitFor(); // the filtered list, read again, is empty
    assert.equal((await h.stack.http('GET', `/api/v1/clients?phone=${NEW_PHONE}`)).body.items.length, 0, 'deleted in the API');
    await page.mouse.move(0, 0);
    await h.screenshot(page, 'clients-deleted');

    // The other clients are untouched.
    await page.getByRole('form', { name: 'Filters' }).getByRole('button', { name: 'Clear' }).click();
    await waitForPhones(page, phones(seeded.slice(0, PAGE)), 'the list after the delete');
    await close();
  });
});
