import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertClients } from '../support/fixtures';
import { startConsoleHarness, type ConsoleHarness } from './harness';

// Drafts and test sends in the console against the real stack: a mailing saved as a draft (no workflow, phase
// "draft", no pause/cancel), a test send from its page with each provider answer (one failing), then Schedule and
// the mailing runs to completion; a stale draft's Schedule shows the API's reason. Screenshots of each state.

/** The fake provider's random draws: scripted values first (one per accepted request), then "no fault". */
const draws: number[] = [];
let h: ConsoleHarness;

before(async () => {
  h = await startConsoleHarness({ provider: { random: () => draws.shift() ?? 0.99 } });
});
after(async () => {
  await h?.close();
});

describe('drafts and test sends in the console', () => {
  test('save as draft, send a test, schedule it, and it sends', async () => {
    await insertClients(h.stack.tdb.db, 2, { operator: '941', tag: 'drafty' });
    const { context, page } = await h.newPage();
    await h.signInWithKey(page);
    await page.goto(`${h.consoleUrl}mailings/new`);
    const form = page.getByRole('form', { name: 'New mailing' });
    await form.getByLabel('Text').fill('Draft from the console');
    await form.getByRole('checkbox', { name: /^drafty/ }).check();
    await page.getByTestId('match-count').getByText('2 clients match').waitFor();
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await page.waitForURL(/\/console\/mailings\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());

    // A draft: its status and phase say so, nothing to pause or cancel, no workflow in Temporal.
    await page.getByText('Draft saved: nothing is sent until you schedule it.').waitFor();
    await page.getByRole('heading', { level: 1 }).getByText('draft').waitFor();
    await page.getByTestId('phase-explained').getByText(/Not scheduled/).waitFor();
    for (const name of ['Pause', 'Cancel mailing']) assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `no ${name} on a draft`);
    await assert.rejects(h.stack.env.client.workflow.getHandle(`mailing-${id}`).describe());
    await h.screenshot(page, 'mailing-draft');

    // A test send to two phones; the provider refuses the second request it gets.
    h.stack.provider.configure({ errorRate: 0.5 });
    draws.push(0.99, 0.1);
    await page.getByRole('button', { name: 'Send test' }).click();
    const dialog = page.getByRole('dialog', { name: `Send a test of mailing #${id}` });
    // A bad phone first: the API's reason is shown with that phone.
    await dialog.getByLabel('Phones').fill('79990000101, 8999');
    await dialog.getByRole('button', { name: 'Send now' }).click();
    await dialog.getByText(/^8999: must be 7XXXXXXXXXX/).waitFor();
    await dialog.getByLabel('Phones').fill('79990000101\n79990000102');
    await dialog.getByRole('button', { name: 'Send now' }).click();
    const results = dialog.getByTestId('test-send-results');
    await results.locator('tbody tr').nth(1).waitFor();
    const rows = await results.locator('tbody tr').allInnerTexts();
    assert.deepEqual(rows.map((r) => r.split('\t')[0].trim()), ['79990000101', '79990000102']);
    assert.equal(rows.filter((r) => /\bsent\b/.test(r)).length, 1, rows.join(' | '));
    assert.equal(rows.filter((r) => /\bfailed\b/.test(r) && /500/.test(r)).length, 1, rows.join(' | '));
    await h.screenshot(page, 'mailing-test-send');
    await dialog.getByRole('button', { name: 'Close' }).click();
    h.stack.provider.configure({ errorRate: 0 });
    // Not messages: the page still counts none.
    assert.equal((await h.stack.http('GET', `/api/v1/mailings/${id}/progress`)).body.total, 0);

    // Schedule: it becomes a mailing with a workflow and sends to both clients.
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByText('Scheduled: its workflow runs and sends from the start time.').waitFor();
    await page.getByRole('heading', { level: 1 }).getByText('completed').waitFor({ timeout: 60_000 });
    assert.equal(Number((await page.getByTestId('count-sent').innerText()).replace(/\D/g, '')), 2);
    const real = h.stack.provider.deliveries().filter((d) => d.msgId < 900_000_000_000_000);
    assert.equal(real.length, 2);
    assert.ok(real.every((d) => d.text === 'Draft from the console'));
    await h.screenshot(page, 'mailing-draft-scheduled');
    await context.close();
  });

  test('a stale draft cannot be scheduled: the reason is shown; the list filters drafts', async () => {
    const created = await h.stack.http('POST', '/api/v1/mailings', {
      text: 'Stale draft',
      starts_at: new Date(Date.now() - 7_200_000).toISOString(),
      ends_at: new Date(Date.now() - 3_600_000).toISOString(),
      draft: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { context, page } = await h.newPage();
    await h.signInWithKey(page);
    await page.goto(`${h.consoleUrl}mailings/${created.body.id}`);
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('alert').getByText(/must be in the future/).waitFor();
    await page.getByRole('heading', { level: 1 }).getByText('draft').waitFor();

    await page.goto(`${h.consoleUrl}mailings`);
    await page.getByRole('link', { name: /Draft from the console/ }).waitFor(); // scheduled and completed: listed
    await page.getByRole('button', { name: /^draft/ }).click();
    await page.waitForURL(/status=draft/);
    await page.getByRole('link', { name: /Draft from the console/ }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: /Stale draft/ }).waitFor();
    await page.mouse.move(0, 0);
    await page.waitForTimeout(400); // the buttons' colour transition
    await h.screenshot(page, 'mailings-drafts');
    await context.close();
  });
});
