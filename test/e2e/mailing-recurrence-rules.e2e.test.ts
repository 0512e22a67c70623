import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createOccurrenceActivities } from '../../activities/mailing-occurrence.activities';
import { createAppFromConfig } from '../../api/start-api';
import { insertRecurrence } from '../../lib/db/mailing-recurrence.repository';
import { createLogger } from '../../lib/logger';
import { mailingWorkflowOptionsFromConfig } from '../../lib/temporal/mailing-workflows';
import { recurrenceScheduleId } from '../../workflows/mailing-occurrence.contract';
import { ADMIN_KEY, startStack, type Stack } from '../support/stack';

// Recurring mailings: next run times as Temporal's Schedules compute them (time zones, DST, "for N days"), the
// validation of every field, roles, the occurrence activity's idempotency, and a 503 when Temporal cannot be reached.
let s: Stack;
before(async () => {
  s = await startStack({ withWorker: false });
});
after(async () => {
  await s?.close();
});

const BASE = '/api/v1/mailing-recurrences';
const DAY = 86_400_000;

/** The next spring-forward day in Europe (last Sunday of March, 01:00Z) at least two days from now: 2027-03-28 today. */
function nextSpringForward(): Date {
  for (let year = new Date().getUTCFullYear(); ; year++) {
    const lastOfMarch = new Date(Date.UTC(year, 2, 31));
    const sunday = new Date(lastOfMarch.getTime() - lastOfMarch.getUTCDay() * DAY);
    if (sunday.getTime() > Date.now() + 2 * DAY) return sunday;
  }
}
const at = (day: Date, offsetDays: number, hourUtc: number) => new Date(day.getTime() + offsetDays * DAY + hourUtc * 3_600_000).toISOString();

async function nextRuns(body: Record<string, unknown>): Promise<string[]> {
  const created = await s.http('POST', BASE, { text: 'DST check', ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const shown = await s.http('GET', `${BASE}/${created.body.id}`);
  assert.deepEqual(shown.body.next_runs, created.body.next_runs);
  return shown.body.next_runs;
}

describe('next run times', () => {
  test('daily 09:00 Europe/Berlin across the spring DST change: 08:00Z before, 07:00Z after', async () => {
    const dst = nextSpringForward();
    const runs = await nextRuns({ cron: '0 9 * * *', timezone: 'Europe/Berlin', starts_at: at(dst, -2, 0) });
    assert.deepEqual(runs, [at(dst, -2, 8), at(dst, -1, 8), at(dst, 0, 7), at(dst, 1, 7), at(dst, 2, 7)]);
    if (dst.getUTCFullYear() === 2027) assert.equal(runs[2], '2027-03-28T07:00:00.000Z');
  });

  test('every day at HH:MM for N days: exactly N runs, counted from starts_at', async () => {
    const dst = nextSpringForward();
    const runs = await nextRuns({ every_day_at: '09:00', days: 3, timezone: 'Europe/Berlin', starts_at: at(dst, -1, 0) });
    assert.deepEqual(runs, [at(dst, -1, 8), at(dst, 0, 7), at(dst, 1, 7)]);
    // A start at a fire time includes it; an earlier ends_at cuts the days short.
    assert.deepEqual(await nextRuns({ every_day_at: '12:00', days: 2, starts_at: at(dst, 3, 12) }), [at(dst, 3, 12), at(dst, 4, 12)]);
    assert.deepEqual(await nextRuns({ every_day_at: '12:00', days: 5, starts_at: at(dst, 3, 0), ends_at: at(dst, 5, 0) }), [at(dst, 3, 12), at(dst, 4, 12)]);
    // Without starts_at the days count from now: exactly N in the Schedule.
    const fromNow = await s.http('POST', BASE, { text: 'from now', every_day_at: '06:45', days: 4, timezone: 'Asia/Tokyo' });
    assert.equal(fromNow.body.next_runs.length, 4);
    assert.ok(fromNow.body.next_runs.every((r: string) => r.endsWith('T21:45:00.000Z')), '06:45 in Tokyo is 21:45Z');
  });
});

describe('validation', () => {
  const valid = { text: 'ok', cron: '0 9 * * *' };
  const cases: [string, Record<string, unknown>, string, RegExp?][] = [
    ['a cron with a bad value', { cron: '99 * * * *' }, 'body.cron', /not a valid cron/],
    ['a cron with 4 fields', { cron: '* * * *' }, 'body.cron', /5 fields/],
    ['a cron with 6 fields (seconds)', { cron: '0 0 9 * * *' }, 'body.cron', /5 fields/],
    ['a cron with L', { cron: '0 9 L * *' }, 'body.cron'],
    ['a cron that is not a string', { cron: 5 }, 'body.cron'],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'body.timezone', /IANA/],
    ['days 0', { cron: undefined, every_day_at: '09:00', days: 0 }, 'body.days', /at least 1/],
    ['days huge', { cron: undefined, every_day_at: '09:00', days: 1_000_000 }, 'body.days', /at most/],
    ['days not whole', { cron: undefined, every_day_at: '09:00', days: 1.5 }, 'body.days'],
    ['every_day_at not HH:MM', { cron: undefined, every_day_at: '24:00', days: 3 }, 'body.every_day_at', /HH:MM/],
    ['every_day_at without days', { cron: undefined, every_day_at: '09:00' }, 'body.days', /required/],
    ['days without every_day_at', { cron: undefined, days: 3 }, 'body.every_day_at', /required/],
    ['both cron and every_day_at', { every_day_at: '09:00', days: 3 }, 'body.every_day_at', /not both/],
    ['neither cron nor every_day_at', { cron: undefined }, 'body.cron', /either/],
    ['a duration of 0', { occurrence_duration_minutes: 0 }, 'body.occurrence_duration_minutes', /at least 1/],
    ['a duration over 7 days', { occurrence_duration_minutes: 10_081 }, 'body.occurrence_duration_minutes', /at most/],
    ['ends_at in the past', { ends_at: '2020-01-01T00:00:00Z' }, 'body.ends_at', /future/],
    ['ends_at before starts_at', { starts_at: '2099-01-02T00:00:00Z', ends_at: '2099-01-01T00:00:00Z' }, 'body.ends_at', /after starts_at/],
    ['a NUL byte in the text', { text: 'hi\u0000there' }, 'body.text', /NUL/],
    ['a NUL byte in the cron', { cron: '0 9 * * *\u0000' }, 'body.cron', /NUL/],
    ['an empty text', { text: '' }, 'body.text'],
    ['a bad operator code in the filter', { filter: { operator_codes: ['12'] } }, 'body.filter.operator_codes.0'],
    ['an unknown field', { colour: 'red' }, 'body.colour', /not a known field/],
  ];
  for (const [name, change, path, message] of cases) {
    test(`create: ${name} is a 400 naming ${path}`, async () => {
      const res = await s.http('POST', BASE, { ...valid, ...change });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.contentType ?? '', /application\/problem\+json/);
      const error = res.body.errors.find((e: { path: string }) => e.path === path);
      assert.ok(error, `${path} in ${JSON.stringify(res.body.errors)}`);
      if (message) assert.match(error.message, message);
    });
  }

  test('nothing is left behind by refused requests; PATCH validates the same way', async () => {
    const before = (await s.tdb.db.selectFrom('mailing_recurrences').select('id').execute()).length;
    await s.http('POST', BASE, { ...valid, cron: '61 * * * *' });
    assert.equal((await s.tdb.db.selectFrom('mailing_recurrences').select('id').execute()).length, before);
    const created = (await s.http('POST', BASE, valid)).body;
    for (const [body, path] of [
      [{}, 'body'],
      [{ cron: '0 9 * *' }, 'body.cron'],
      [{ timezone: 'Nope/Nowhere' }, 'body.timezone'],
      [{ days: 0 }, 'body.days'],
      [{ cron: '0 9 * * *', every_day_at: '09:00' }, 'body.every_day_at'],
      [{ occurrence_duration_minutes: 20_000 }, 'body.occurrence_duration_minutes'],
      [{ starts_at: '2099-01-02T00:00:00Z', ends_at: '2099-01-01T00:00:00Z' }, 'body.ends_at'],
      [{ text: '\u0000' }, 'body.text'],
      [{ paused: 'yes' }, 'body.paused'],
    ] as const) {
      const res = await s.http('PATCH', `${BASE}/${created.id}`, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.ok(res.body.errors.some((e: { path: string }) => e.path === path), `${path} in ${JSON.stringify(res.body.errors)}`);
    }
    assert.equal((await s.http('GET', `${BASE}/${created.id}`)).body.cron, '0 9 * * *');
    for (const bad of ['0', '-1', 'abc', '1e3', '99999999999999999999']) {
      assert.equal((await s.http('GET', `${BASE}/${bad}`)).status, 400, bad);
      assert.equal((await s.http('GET', `${BASE}/${bad}/occurrences`)).status, 400, bad);
    }
    assert.equal((await s.http('GET', `${BASE}/999999`)).status, 404);
    assert.equal((await s.http('GET', `${BASE}/999999/occurrences`)).status, 404);
    assert.equal((await s.http('GET', `${BASE}?limit=0`)).status, 400);
  });

  test('roles: a viewer reads, an operator writes', async () => {
    const viewer = (await s.http('POST', '/api/v1/api-keys', { name: 'recurrence viewer', role: 'viewer' })).body.key;
    const operator = (await s.http('POST', '/api/v1/api-keys', { name: 'recurrence operator', role: 'operator' })).body.key;
    assert.equal((await s.http('POST', BASE, valid, viewer)).status, 403);
    const created = await s.http('POST', BASE, valid, operator);
    assert.equal(created.status, 201);
    assert.equal((await s.http('GET', `${BASE}/${created.body.id}`, undefined, viewer)).status, 200);
    assert.equal((await s.http('GET', `${BASE}/${created.body.id}/occurrences`, undefined, viewer)).status, 200);
    assert.equal((await s.http('PATCH', `${BASE}/${created.body.id}`, { paused: true }, viewer)).status, 403);
    assert.equal((await s.http('DELETE', `${BASE}/${created.body.id}`, undefined, viewer)).status, 403);
    assert.equal((await s.http('DELETE', `${BASE}/${created.body.id}`, undefined, operator)).status, 204);
    assert.equal((await s.http('GET', BASE, undefined, null)).status, 401);
  });
});

test('the occurrence activity: once per fire time, nothing for a deleted recurrence or an occurrence already over', async () => {
  const { createOccurrence } = createOccurrenceActivities({ db: s.tdb.db, logger: createLogger('silent'), temporal: { client: s.env.client }, mailingWorkflow: mailingWorkflowOptionsFromConfig(s.config) });
  const row = await insertRecurrence(s.tdb.db, {
    text: 'activity', filter: JSON.stringify({ operatorCodes: [], tags: [] }), send_window: JSON.stringify(null),
    cron: '0 9 * * *', timezone: 'UTC', every_day_at: null, days: null, starts_at: null, ends_at: null, occurrence_minutes: 1,
  });
  const recent = new Date(Date.now() - 30_000).toISOString();
  const first = await createOccurrence({ recurrenceId: row.id, scheduledAt: recent });
  assert.equal(first.created, true);
  const [retry, concurrent] = await Promise.all([createOccurrence({ recurrenceId: row.id, scheduledAt: recent }), createOccurrence({ recurrenceId: row.id, scheduledAt: recent })]);
  assert.deepEqual([retry.mailingId, retry.created, concurrent.mailingId, concurrent.created], [first.mailingId, false, first.mailingId, false]);
  assert.equal((await s.env.client.workflow.getHandle(`mailing-${first.mailingId}`).describe()).status.name, 'RUNNING', 'its mailing workflow started');
  const late = await createOccurrence({ recurrenceId: row.id, scheduledAt: new Date(Date.now() - 120_000).toISOString() });
  assert.deepEqual([late.mailingId, late.skipped], [null, 'late']);
  const mailings = await s.tdb.db.selectFrom('mailings').select('id').where('recurrence_id', '=', row.id).execute();
  assert.deepEqual(mailings.map((m) => m.id), [first.mailingId]);
  await s.tdb.db.deleteFrom('mailing_recurrences').where('id', '=', row.id).execute();
  const gone = await createOccurrence({ recurrenceId: row.id, scheduledAt: new Date().toISOString() });
  assert.deepEqual([gone.mailingId, gone.skipped], [null, 'deleted']);
});

test('Temporal unreachable: a 503 problem, and the database is left as it was', async () => {
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }) });
  const { app } = createAppFromConfig({ config: s.config, db: s.tdb.db, logger: createLogger('silent'), temporal });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`;
  const call = async (method: string, path = '', body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null), type: res.headers.get('content-type') };
  };
  try {
    const count = async () => (await s.tdb.db.selectFrom('mailing_recurrences').select('id').execute()).length;
    const rows = await count();
    const refused = await call('POST', '', { text: 'no temporal', cron: '0 9 * * *' });
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.match(refused.type ?? '', /problem\+json/);
    assert.match(refused.body.detail, /Temporal is unavailable/);
    assert.equal(await count(), rows, 'the row went again');

    const existing = (await s.http('POST', BASE, { text: 'kept', cron: '0 9 * * *' })).body;
    const paused = await call('PATCH', `/${existing.id}`, { paused: true, text: 'changed' });
    assert.equal(paused.status, 503);
    const row = await s.tdb.db.selectFrom('mailing_recurrences').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.paused, row.text], [false, 'kept'], 'the change was undone');
    assert.equal((await call('GET', `/${existing.id}`)).status, 503);
    assert.equal((await call('DELETE', `/${existing.id}`)).status, 503);
    assert.equal((await s.http('GET', `${BASE}/${existing.id}`)).status, 200, 'not deleted');
    assert.equal((await call('GET')).status, 200, 'the list needs no Temporal');
    assert.equal((await s.env.client.schedule.getHandle(recurrenceScheduleId(existing.id)).describe()).state.paused, false, 'the Schedule is as it was');
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await temporal.connection.close().catch(() => undefined);
  }
});
