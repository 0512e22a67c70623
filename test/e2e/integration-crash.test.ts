// A sync survives its worker being killed: the in-flight page activity times out on its heartbeat (30 s), a new
// worker process takes the retry, and the run goes on from the cursor checkpoint saved with the last stored page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeJsonApi, type FakeJsonApi } from '../support/fake-json-api';
import { createIntegration, finishedRun, getRun, records, syncNow } from '../support/integrations';
import { startStack, waitFor, type Stack } from '../support/stack';
import { workerProcesses } from '../support/worker-process';

const ITEMS = 300;
const PAGE_SIZE = 10;
const FULL_PAGES = ITEMS / PAGE_SIZE;

let s: Stack;
let api: FakeJsonApi;
const workers = workerProcesses(() => s);

before(async () => {
  [s, api] = await Promise.all([startStack({ withWorker: false }), startFakeJsonApi({ items: ITEMS })]);
});
after(async () => {
  workers.killAll();
  await s?.close();
  await api?.close();
});


/** The list requests (not the connection check, which asks for per_page=1), by page number. */
function listRequestsByPage(): Map<number, number> {
  const byPage = new Map<number, number>();
  for (const r of api.requests) {
    if (r.path !== '/page' || r.query.per_page === '1') continue;
    const page = Number(r.query.page);
    byPage.set(page, (byPage.get(page) ?? 0) + 1);
  }
  return byPage;
}

test('killing the worker mid-sync: a new worker resumes from the saved cursor, nothing fetched from scratch or counted twice', { timeout: 240_000 }, async () => {
  api.setLatency(300); // ~30 pages × 300 ms: the sync takes several seconds
  const integration = await createIntegration(s, {
    provider: 'http-json',
    config: {
      url: `${api.url}/page`,
      items_path: 'data',
      modified_field: 'updated_at',
      pagination: { type: 'page', page_size: PAGE_SIZE },
      since: { param: 'since', format: 'iso' },
    },
  });

  const first = workers.spawn();
  const started = Date.now();
  const run = await syncNow(s, integration.id);
  await waitFor(async () => (await getRun(s, integration.id, run.id)).pages >= 5, 120_000, 'at least 5 pages stored');
  first.kill('SIGKILL'); // no shutdown: the page in flight and its heartbeats die with it
  await new Promise((resolve) => (first.exitCode === null && first.signalCode === null ? first.once('exit', resolve) : resolve(null)));
  const killedAt = Date.now();

  const atCrash = await getRun(s, integration.id, run.id);
  assert.equal(atCrash.status, 'running', 'the run is not ended by the crash');
  assert.ok(atCrash.pages >= 5 && atCrash.pages < FULL_PAGES, `killed mid-way (${atCrash.pages} pages stored)`);
  const checkpoint = await s.tdb.db.selectFrom('integrations').select('cursor').where('id', '=', integration.id).executeTakeFirstOrThrow();
  assert.ok(checkpoint.cursor !== null && JSON.parse(checkpoint.cursor).at.page > atCrash.pages, `a mid-run checkpoint is saved: ${checkpoint.cursor}`);
  const requestedAtCrash = listRequestsByPage();

  workers.spawn();
  const done = await finishedRun(s, integration.id, run.id, 120_000);
  const resumedAfterMs = Date.now() - killedAt;
  assert.equal(done.status, 'succeeded', done.error ?? '');
  // 30 full pages, then an empty 31st ends the run.
  assert.deepEqual([done.fetched, done.inserted, done.updated], [ITEMS, ITEMS, 0], 'every item fetched and inserted once: no double counting');
  assert.ok(done.pages === FULL_PAGES || done.pages === FULL_PAGES + 1, `pages: ${done.pages}`);

  const stored = await records(s, integration.id);
  assert.equal(stored.length, ITEMS);
  assert.deepEqual(stored.map((r) => Number(r.external_id)).sort((a, b) => a - b), Array.from({ length: ITEMS }, (_, i) => i + 1));

  const byPage = listRequestsByPage();
  assert.equal(byPage.get(1), 1, 'page 1 was asked for once: the crash did not restart the import');
  for (let page = 1; page <= FULL_PAGES; page++) assert.ok((byPage.get(page) ?? 0) >= 1, `page ${page} was fetched`);
  const repeated = [...byPage].filter(([, n]) => n > 1);
  assert.ok(repeated.every(([, n]) => n === 2), `no page asked for more than twice: ${JSON.stringify(repeated)}`);
  assert.ok(repeated.length <= 1, `only the page in flight at the crash was asked for again: ${JSON.stringify(repeated)}`);
  for (const [page] of repeated) assert.equal(requestedAtCrash.get(page), 1, `page ${page} was repeated because it was in flight at the crash`);
  for (let page = 1; page <= atCrash.pages; page++) assert.equal(byPage.get(page), 1, `page ${page} was stored before the crash and not asked for again`);
  assert.ok(api.requests.some((r) => r.query.per_page === '1'), 'the connection check ran (once per run, before the crash)');
  assert.equal(api.requests.filter((r) => r.query.per_page === '1').length, 1, 'the resumed run did not check the connection again');

  const after = await s.tdb.db.selectFrom('integrations').select(['cursor', 'last_run_status']).where('id', '=', integration.id).executeTakeFirstOrThrow();
  const newest = api.items().at(-1)!.updated_at; // item 300, the clock's last tick
  assert.equal(after.cursor, JSON.stringify({ since: new Date(newest).toISOString() }), 'the final cursor: the next run starts after the newest change');
  assert.equal(after.last_run_status, 'succeeded');
  console.log(`crash test: ${atCrash.pages} pages at the crash, pages asked twice ${JSON.stringify(repeated)}; resumed and finished ${resumedAfterMs} ms after the kill; ${Date.now() - started} ms in all`);
});
