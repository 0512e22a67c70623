import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findIntegration, insertIntegration } from '../../lib/db/integration.repository';
import { upsertRecords } from '../../lib/db/integration-record.repository';
import { claimRun, finishRun, findRun, storePage, type NewRun, type StoredPage } from '../../lib/db/integration-run.repository';
import type { NormalizedRecord } from '../../lib/integrations/plugin';
import { createTestDatabase, type TestDatabase } from '../support/db';

let tdb: TestDatabase;
before(async () => {
  tdb = await createTestDatabase();
});
after(async () => {
  await tdb?.drop();
});

async function newIntegration(cursor: string | null = null): Promise<number> {
  const row = await insertIntegration(tdb.db, {
    name: 'db test',
    provider: 'http-json',
    credential_id: null,
    config: { url: 'https://api.example.com/items' },
    schedule: { kind: 'interval', every_seconds: 3600 },
    active: true,
    priority: 'normal',
  });
  if (cursor !== null) await tdb.db.updateTable('integrations').set({ cursor }).where('id', '=', row.id).execute();
  return row.id;
}

const run = (integrationId: number, extra: Partial<NewRun> = {}): NewRun => ({ integrationId, trigger: 'manual', fullResync: false, workflowId: null, ...extra });

async function claimed(integrationId: number, extra: Partial<NewRun> = {}): Promise<number> {
  const result = await claimRun(tdb.db, run(integrationId, extra));
  assert.equal(result.claimed, true);
  return result.run.id;
}

const rec = (externalId: string, data: Record<string, unknown>, modifiedAt: Date | null = null): NormalizedRecord => ({ externalId, data, modifiedAt });
const recordsOf = (integrationId: number) =>
  tdb.db.selectFrom('integration_records').selectAll().where('integration_id', '=', integrationId).orderBy('external_id').execute();
/** storePage on a run still running (an ended or deleted run answers `ended` instead). */
async function store(input: Parameters<typeof storePage>[1]): Promise<StoredPage> {
  const result = await storePage(tdb.db, input);
  assert.ok(!('ended' in result), 'the run is running');
  return result;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('claimRun', () => {
  test('refuses a second running run of the same integration, allows another integration, and again once finished', async () => {
    const [a, b] = [await newIntegration(), await newIntegration()];
    const first = await claimRun(tdb.db, run(a, { workflowId: 'wf-1' }));
    assert.equal(first.claimed, true);
    assert.equal(first.run.status, 'running');
    const second = await claimRun(tdb.db, run(a, { workflowId: 'wf-2' }));
    assert.equal(second.claimed, false);
    assert.equal(second.run.id, first.run.id, 'reports the run already going');
    assert.equal(second.run.workflow_id, 'wf-1');
    assert.equal((await claimRun(tdb.db, run(b))).claimed, true, 'another integration is not blocked');
    const runs = await tdb.db.selectFrom('integration_runs').select(['integration_id', 'status']).where('integration_id', 'in', [a, b]).execute();
    assert.equal(runs.length, 2);
    const integration = await findIntegration(tdb.db, a);
    assert.deepEqual([integration?.last_run_id, integration?.last_run_status], [first.run.id, 'running']);

    await finishRun(tdb.db, first.run.id, 'succeeded', null);
    assert.equal((await claimRun(tdb.db, run(a))).claimed, true, 'a new run once the first ended');
  });

  test('concurrent claims of one integration: exactly one wins', async () => {
    const a = await newIntegration();
    const results = await Promise.all(Array.from({ length: 8 }, () => claimRun(tdb.db, run(a))));
    assert.equal(results.filter((r) => r.claimed).length, 1);
    assert.equal(new Set(results.map((r) => r.run.id)).size, 1);
  });

  test('a full resync starts from no cursor but keeps the saved one until its first page; an incremental run starts from it', async () => {
    const a = await newIntegration('cursor-7');
    const incremental = await claimRun(tdb.db, run(a));
    assert.equal(incremental.run.cursor_start, 'cursor-7');
    assert.equal((await findIntegration(tdb.db, a))?.cursor, 'cursor-7');
    await finishRun(tdb.db, incremental.run.id, 'succeeded', null);

    const full = await claimRun(tdb.db, run(a, { fullResync: true }));
    assert.equal(full.claimed, true);
    assert.equal(full.run.full_resync, true);
    assert.equal(full.run.cursor_start, null);
    assert.equal((await findIntegration(tdb.db, a))?.cursor, 'cursor-7', 'a resync that never starts loses nothing');
    await storePage(tdb.db, { runId: full.run.id, page: 1, records: [], nextCursor: 'fresh-1', hasMore: true });
    assert.equal((await findIntegration(tdb.db, a))?.cursor, 'fresh-1');
  });

  test('a workflow id made from the run id is stored with the claim', async () => {
    const a = await newIntegration();
    const { run: opened } = await claimRun(tdb.db, run(a, { workflowId: (id) => `sync-${a}-${id}` }));
    assert.equal(opened.workflow_id, `sync-${a}-${opened.id}`);
    assert.equal((await findRun(tdb.db, opened.id))?.workflow_id, `sync-${a}-${opened.id}`);
  });

  test('finishRun keeps an error storable: no NUL, at most 4000 characters', async () => {
    const a = await newIntegration();
    const runId = await claimed(a);
    const ended = await finishRun(tdb.db, runId, 'failed', `bad\u0000body ${'x'.repeat(5_000)}`);
    assert.equal(ended?.error?.length, 4_000);
    assert.ok(!ended?.error?.includes('\u0000'));
  });

  test('records with NUL characters are stored (U+FFFD), keys and values alike', async () => {
    const a = await newIntegration();
    const runId = await claimed(a);
    await upsertRecords(tdb.db, a, runId, [rec('n', { ['k\u0000']: 'v\u0000', literal: '\\u0000' })]);
    const [row] = await recordsOf(a);
    assert.deepEqual(row.data, { ['k\ufffd']: 'v\ufffd', literal: '\\u0000' });
  });

  test('a refused full resync does not touch the cursor of the run going', async () => {
    const a = await newIntegration('cursor-3');
    await claimed(a);
    assert.equal((await claimRun(tdb.db, run(a, { fullResync: true }))).claimed, false);
    assert.equal((await findIntegration(tdb.db, a))?.cursor, 'cursor-3');
  });
});

describe('storePage', () => {
  test('the same page twice writes once and reports replayed; the cursor never moves back', async () => {
    const a = await newIntegration();
    const runId = await claimed(a);
    const page1 = { runId, page: 1, records: [rec('1', { n: 1 }), rec('2', { n: 2 })], nextCursor: 'c1', hasMore: true };
    assert.deepEqual(await store(page1), { fetched: 2, inserted: 2, updated: 0, more: true, replayed: false });
    // The retry of an activity whose answer was lost: fetched again, maybe different, from a cursor that moved on.
    const retry = { ...page1, records: [rec('1', { n: 10 }), rec('3', { n: 3 })], nextCursor: 'c1-again' };
    assert.deepEqual(await store(retry), { fetched: 0, inserted: 0, updated: 0, more: true, replayed: true });
    assert.deepEqual((await recordsOf(a)).map((r) => [r.external_id, r.data]), [['1', { n: 1 }], ['2', { n: 2 }]]);
    assert.equal((await findIntegration(tdb.db, a))?.cursor, 'c1');
    let stored = await findRun(tdb.db, runId);
    assert.deepEqual([stored?.pages, stored?.fetched, stored?.inserted, stored?.updated, stored?.more], [1, 2, 2, 0, true]);

    assert.deepEqual(await store({ runId, page: 2, records: [rec('3', { n: 3 })], nextCursor: 'final', hasMore: false }), {
      fetched: 1, inserted: 1, updated: 0, more: false, replayed: false,
    });
    // An older page arriving late changes nothing either.
    assert.equal((await store({ ...page1, nextCursor: 'stale' })).replayed, true);
    stored = await findRun(tdb.db, runId);
    assert.deepEqual([stored?.pages, stored?.fetched, stored?.inserted, stored?.more], [2, 3, 3, false]);
    assert.equal((await findIntegration(tdb.db, a))?.cursor, 'final');
  });

  test('concurrent stores of the same page (a duplicate execution) write once', async () => {
    const a = await newIntegration();
    const runId = await claimed(a);
    const page = { runId, page: 1, records: [rec('x', { v: 1 }), rec('y', { v: 1 })], nextCursor: 'c', hasMore: false };
    const results = await Promise.all([store(page), store(page), store(page)]);
    assert.equal(results.filter((r) => !r.replayed).length, 1);
    const stored = await findRun(tdb.db, runId);
    assert.deepEqual([stored?.pages, stored?.fetched, stored?.inserted], [1, 2, 2]);
  });

  test('a run that already ended stores nothing', async () => {
    const a = await newIntegration('kept');
    const runId = await claimed(a);
    await finishRun(tdb.db, runId, 'cancelled', 'cancelled');
    const result = await storePage(tdb.db, { runId, page: 1, records: [rec('1', {})], nextCursor: 'moved', hasMore: false });
    assert.deepEqual(result, { ended: 'cancelled' });
    assert.equal((await recordsOf(a)).length, 0);
    assert.equal((await findIntegration(tdb.db, a))?.cursor, 'kept');
  });

  test('a run deleted with its integration says so and stores nothing', async () => {
    const a = await newIntegration();
    const runId = await claimed(a);
    await tdb.db.deleteFrom('integrations').where('id', '=', a).execute();
    assert.equal(await findRun(tdb.db, runId), undefined, 'runs go with their integration');
    assert.deepEqual(await storePage(tdb.db, { runId, page: 1, records: [rec('1', {})], nextCursor: 'c', hasMore: false }), { ended: 'deleted' });
    assert.equal((await recordsOf(a)).length, 0);
  });
});

describe('upsertRecords', () => {
  test('counts inserted, updated and unchanged; unchanged rows keep updated_at and last_run_id', async () => {
    const a = await newIntegration();
    const run1 = await claimed(a);
    const at = new Date('2024-03-01T00:00:00Z');
    assert.deepEqual(await upsertRecords(tdb.db, a, run1, [rec('a', { v: 1 }, at), rec('b', { v: 1 }, at), rec('c', { v: 1 }, null)]), { inserted: 3, updated: 0 });
    const before = new Map((await recordsOf(a)).map((r) => [r.external_id, r]));
    await finishRun(tdb.db, run1, 'succeeded', null);
    const second = await claimed(a);
    await sleep(20);
    const result = await upsertRecords(tdb.db, a, second, [
      rec('a', { v: 1 }, at), // unchanged
      rec('b', { v: 1 }, new Date(at.getTime() + 1000)), // only modifiedAt changed
      rec('c', { v: 2 }, null), // data changed
      rec('d', { v: 1 }, null), // new
    ]);
    assert.deepEqual(result, { inserted: 1, updated: 2 });
    const rows = new Map((await recordsOf(a)).map((r) => [r.external_id, r]));
    assert.equal(rows.size, 4);
    const a1 = rows.get('a')!;
    assert.equal(a1.updated_at.getTime(), before.get('a')!.updated_at.getTime(), 'unchanged row keeps updated_at');
    assert.deepEqual([a1.first_run_id, a1.last_run_id, a1.hash], [run1, run1, before.get('a')!.hash]);
    for (const id of ['b', 'c']) {
      const row = rows.get(id)!;
      assert.ok(row.updated_at > before.get(id)!.updated_at, `${id} updated_at moved`);
      assert.deepEqual([row.first_run_id, row.last_run_id], [run1, second]);
      assert.notEqual(row.hash, before.get(id)!.hash);
    }
    assert.deepEqual(rows.get('c')!.data, { v: 2 });
    assert.equal(rows.get('b')!.source_modified_at?.getTime(), at.getTime() + 1000);
    assert.deepEqual([rows.get('d')!.first_run_id, rows.get('d')!.created_at.getTime() === rows.get('d')!.updated_at.getTime()], [second, true]);
  });

  test('duplicate external ids within one page: the last copy wins, counted once', async () => {
    const a = await newIntegration();
    const runId = await claimed(a);
    assert.deepEqual(await upsertRecords(tdb.db, a, runId, [rec('dup', { v: 1 }), rec('other', { v: 1 }), rec('dup', { v: 2 })]), { inserted: 2, updated: 0 });
    assert.deepEqual((await recordsOf(a)).map((r) => [r.external_id, r.data]), [['dup', { v: 2 }], ['other', { v: 1 }]]);
    // Duplicates of an existing id: one update, with the last copy.
    assert.deepEqual(await upsertRecords(tdb.db, a, runId, [rec('dup', { v: 3 }), rec('dup', { v: 4 })]), { inserted: 0, updated: 1 });
    assert.deepEqual((await recordsOf(a)).find((r) => r.external_id === 'dup')?.data, { v: 4 });
    // An unchanged copy last: nothing changes.
    assert.deepEqual(await upsertRecords(tdb.db, a, runId, [rec('dup', { v: 9 }), rec('dup', { v: 4 })]), { inserted: 0, updated: 0 });
  });

  test('the same external id in two integrations is two records', async () => {
    const [a, b] = [await newIntegration(), await newIntegration()];
    assert.deepEqual(await upsertRecords(tdb.db, a, await claimed(a), [rec('same', { v: 1 })]), { inserted: 1, updated: 0 });
    assert.deepEqual(await upsertRecords(tdb.db, b, await claimed(b), [rec('same', { v: 1 })]), { inserted: 1, updated: 0 });
  });

  test('an empty page writes nothing', async () => {
    const a = await newIntegration();
    assert.deepEqual(await upsertRecords(tdb.db, a, await claimed(a), []), { inserted: 0, updated: 0 });
  });
});

describe('finishRun', () => {
  test('ends a running run once; a second call is a no-op returning the row as it is', async () => {
    const a = await newIntegration();
    const runId = await claimed(a);
    const first = await finishRun(tdb.db, runId, 'failed', 'upstream said no');
    assert.deepEqual([first?.status, first?.error], ['failed', 'upstream said no']);
    assert.ok(first?.finished_at);
    const integration = await findIntegration(tdb.db, a);
    assert.deepEqual([integration?.last_run_status, integration?.last_run_at?.getTime()], ['failed', first.finished_at.getTime()]);

    await sleep(10);
    const second = await finishRun(tdb.db, runId, 'succeeded', null);
    assert.deepEqual([second?.status, second?.error, second?.finished_at?.getTime()], ['failed', 'upstream said no', first.finished_at.getTime()]);
    assert.equal((await findIntegration(tdb.db, a))?.last_run_status, 'failed');
    assert.equal(await finishRun(tdb.db, 999_999_999, 'succeeded', null), undefined, 'an unknown run');
  });

});
