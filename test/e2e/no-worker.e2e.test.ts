import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';

// Reads and control calls with no worker running: answers come at once, from the database, and say so.
let s: Stack;
before(async () => {
  s = await startStack({ withWorker: false });
});
after(async () => {
  await s?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = Date.now();
  const value = await call();
  return { ms: Date.now() - started, value };
}

describe('with no worker running', () => {
  test('reads answer from the database at once; pause is accepted; an edit is refused with nothing changed', async () => {
    await insertClients(s.tdb.db, 3, { operator: '981' });
    const created = await s.http('POST', '/api/v1/mailings', {
      text: 'Waiting for a worker', starts_at: iso(Date.now() - 1000), ends_at: iso(Date.now() + 3_600_000), filter: { operator_codes: ['981'] },
    });
    assert.equal(created.status, 201);
    const id = created.body.id;

    const progress = await timed(() => s.http('GET', `/api/v1/mailings/${id}/progress`));
    assert.equal(progress.value.status, 200);
    assert.equal(progress.value.body.live, false);
    assert.equal(progress.value.body.phase, 'scheduled');
    assert.ok(progress.ms < 1_000, `progress answered in ${progress.ms} ms`);
    const stats = await timed(() => s.http('GET', `/api/v1/mailings/${id}/stats`));
    assert.equal(stats.value.status, 200);
    assert.equal(stats.value.body.progress.live, false);
    assert.ok(stats.ms < 1_000, `stats answered in ${stats.ms} ms`);

    const edit = await timed(() => s.http('PATCH', `/api/v1/mailings/${id}`, { text: 'changed' }));
    assert.equal(edit.value.status, 503);
    assert.match(edit.value.body.detail, /no worker.*nothing was changed/i);
    assert.ok(edit.ms < 3_000, `edit refused in ${edit.ms} ms`);
    assert.equal((await s.http('GET', `/api/v1/mailings/${id}`)).body.text, 'Waiting for a worker');

    const pause = await timed(() => s.http('POST', `/api/v1/mailings/${id}/pause`));
    assert.equal(pause.value.status, 202);
    assert.equal(pause.value.body.live, false);
    assert.ok(pause.ms < 3_000, `pause accepted in ${pause.ms} ms`);

    // A worker arrives: the pause signal Temporal kept applies, progress is live again and edits go through.
    await s.startWorker();
    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${id}`)).body.status === 'paused', 30_000, 'the kept pause applied');
    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${id}/progress`)).body.live === true, 30_000, 'live progress');
    assert.equal(s.provider.deliveries().length, 0, 'paused before it sent anything');
    const edited = await s.http('PATCH', `/api/v1/mailings/${id}`, { text: 'changed' });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.text, 'changed');
    assert.equal((await s.http('POST', `/api/v1/mailings/${id}/resume`)).status, 202);
    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${id}`)).body.status === 'completed', 30_000, 'completed');
    await s.stopWorker();
  });

  test('GET /stats/mailings totals cover every mailing, page_totals the page', async () => {
    const all = await s.http('GET', '/api/v1/stats/mailings?limit=500');
    const one = await s.http('GET', '/api/v1/stats/mailings?limit=1');
    assert.equal(one.body.items.length, 1);
    assert.deepEqual(one.body.totals, all.body.totals, 'totals do not depend on the page');
    assert.equal(one.body.total, all.body.items.reduce((n: number, i: { total: number }) => n + i.total, 0));
    assert.deepEqual(one.body.page_totals, one.body.items[0].counts);
    const dbTotal = await s.tdb.db.selectFrom('messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(all.body.total, Number(dbTotal.n));
    // status picks the mailings of one status (the console's list by status); totals stay over every mailing.
    const completed = await s.http('GET', '/api/v1/stats/mailings?status=completed&limit=500');
    assert.equal(completed.status, 200, JSON.stringify(completed.body));
    const expected = all.body.items.filter((i: { mailing: { status: string } }) => i.mailing.status === 'completed');
    assert.ok(expected.length > 0, 'a completed mailing exists');
    assert.deepEqual(completed.body.items.map((i: { mailing: { id: number } }) => i.mailing.id), expected.map((i: { mailing: { id: number } }) => i.mailing.id));
    assert.deepEqual(completed.body.totals, all.body.totals);
    const bad = await s.http('GET', '/api/v1/stats/mailings?status=finished');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'query.status');
  });
});
