import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileMigrationProvider, Migrator, sql } from 'kysely';
import type { Db } from '../../lib/db/connect';
import { MIGRATIONS_DIR } from '../../lib/db/migrate';
import { closePending, markFailed, markSent, markUnknown, materializeMessages } from '../../lib/db/message.repository';
import { createMailingRow, insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';
import { createTestDatabase } from '../support/db';

// Messages over time from the trigger-maintained per-minute summary (message_minute_counts), the per-zone summary
// (mailing_timezone_counts), and mailings by status.
let s: Stack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;
const M = 60_000;

async function minuteRows(db: Db, mailingId: number) {
  const r = await sql<{ minute: Date; status: string; count: string }>`
    SELECT minute, status, count FROM message_minute_counts WHERE mailing_id = ${mailingId} ORDER BY minute, status`.execute(db);
  return r.rows.map((row) => ({ minute: row.minute.getTime(), status: row.status, count: Number(row.count) }));
}
async function zoneRows(db: Db, mailingId: number) {
  const r = await sql<{ timezone: string; messages: string; pending: string }>`
    SELECT timezone, messages, pending FROM mailing_timezone_counts WHERE mailing_id = ${mailingId} ORDER BY timezone`.execute(db);
  return r.rows.map((row) => ({ timezone: row.timezone, messages: Number(row.messages), pending: Number(row.pending) }));
}
async function messageIds(db: Db, mailingId: number, timezone?: string) {
  let q = db.selectFrom('messages').select('id').where('mailing_id', '=', mailingId).orderBy('id');
  if (timezone) q = q.where('timezone', '=', timezone);
  return (await q.execute()).map((r) => r.id);
}
/** Writes summary rows as if messages had reached these statuses at these minutes. */
async function seedMinutes(db: Db, mailingId: number, rows: [number, string, number][]) {
  for (const [minute, status, count] of rows) {
    await sql`INSERT INTO message_minute_counts (mailing_id, minute, status, count) VALUES (${mailingId}, ${new Date(minute)}, ${status}, ${count})`.execute(db);
  }
}

describe('message statistics', () => {
  test('the triggers count each transition into a final status once, in the minute it happened, and pending per zone', async () => {
    const db = s.tdb.db;
    await insertClients(db, 4, { operator: '931', timezone: 'Europe/Moscow' });
    await insertClients(db, 3, { operator: '931', timezone: 'Asia/Tokyo' });
    const mailing = await createMailingRow(db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H), filter: { operatorCodes: ['931'] } });
    assert.equal(await materializeMessages(db, mailing.id, { operatorCodes: ['931'], tags: [] }), 7);
    assert.deepEqual(await minuteRows(db, mailing.id), [], 'pending messages are no transition');
    assert.deepEqual(await zoneRows(db, mailing.id), [
      { timezone: 'Asia/Tokyo', messages: 3, pending: 3 },
      { timezone: 'Europe/Moscow', messages: 4, pending: 4 },
    ]);

    const before = Math.floor(Date.now() / M) * M;
    const moscow = await messageIds(db, mailing.id, 'Europe/Moscow');
    const tokyo = await messageIds(db, mailing.id, 'Asia/Tokyo');
    assert.equal(await markSent(db, moscow.slice(0, 3)), 3);
    assert.equal(await markSent(db, moscow.slice(0, 3)), 0, 'a second answer changes nothing');
    assert.ok(await markFailed(db, moscow[3], 'rejected'));
    assert.equal(await markUnknown(db, [{ id: tokyo[0], error: 'timeout' }]), 1);
    // Claims and retries (pending to pending) are not transitions.
    await sql`UPDATE messages SET next_attempt_at = now() + interval '1 minute', attempts = attempts + 1 WHERE mailing_id = ${mailing.id} AND status = 'pending'`.execute(db);
    assert.equal(await closePending(db, mailing.id, 'expired'), 2);
    const afterMs = Math.floor(Date.now() / M) * M;

    const rows = await minuteRows(db, mailing.id);
    assert.ok(rows.every((r) => r.minute >= before && r.minute <= afterMs), 'bucketed at the minute of the transition');
    const byStatus = Object.fromEntries(['sent', 'failed', 'unknown', 'expired'].map((st) => [st, rows.filter((r) => r.status === st).reduce((n, r) => n + r.count, 0)]));
    assert.deepEqual(byStatus, { sent: 3, failed: 1, unknown: 1, expired: 2 });
    assert.deepEqual(await zoneRows(db, mailing.id), [
      { timezone: 'Asia/Tokyo', messages: 3, pending: 0 },
      { timezone: 'Europe/Moscow', messages: 4, pending: 0 },
    ]);

    const series = await s.http('GET', `/api/v1/stats/messages?bucket=hour&mailing_id=${mailing.id}&from=${iso(before - H)}&to=${iso(afterMs + M)}`);
    assert.equal(series.status, 200, JSON.stringify(series.body));
    assert.deepEqual(series.body.totals, { sent: 3, failed: 1, unknown: 1, expired: 2, cancelled: 0 });

    // Deleting the mailing deletes its summaries.
    await db.deleteFrom('mailings').where('id', '=', mailing.id).execute();
    assert.deepEqual(await minuteRows(db, mailing.id), []);
    assert.deepEqual(await zoneRows(db, mailing.id), []);
    const none = await sql<{ n: string }>`SELECT count(*) AS n FROM mailing_message_counts WHERE mailing_id = ${mailing.id}`.execute(db);
    assert.equal(Number(none.rows[0].n), 0);
  });

  test('GET /stats/messages: every bucket of the range in order, empty ones as zeros, exact sums, totals beside', async () => {
    const db = s.tdb.db;
    const a = await createMailingRow(db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H) });
    const b = await createMailingRow(db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H) });
    const t0 = Date.UTC(2031, 0, 10, 9, 0); // a range no other test writes to
    await seedMinutes(db, a.id, [
      [t0, 'sent', 5],
      [t0 + M, 'sent', 2],
      [t0 + M, 'failed', 1],
      [t0 + 59 * M, 'unknown', 4],
      [t0 + 2 * H + 30 * M, 'sent', 7],
      [t0 + 2 * H + 30 * M, 'cancelled', 3],
    ]);
    await seedMinutes(db, b.id, [[t0 + 2 * H + 31 * M, 'sent', 10], [t0 + 3 * H, 'expired', 6]]);

    const hours = await s.http('GET', `/api/v1/stats/messages?bucket=hour&from=${iso(t0)}&to=${iso(t0 + 4 * H)}`);
    assert.equal(hours.status, 200, JSON.stringify(hours.body));
    const zero = { sent: 0, failed: 0, unknown: 0, expired: 0, cancelled: 0 };
    assert.deepEqual(hours.body, {
      bucket: 'hour', from: iso(t0), to: iso(t0 + 4 * H), mailing_id: null,
      points: [
        { at: iso(t0), ...zero, sent: 7, failed: 1, unknown: 4 },
        { at: iso(t0 + H), ...zero },
        { at: iso(t0 + 2 * H), ...zero, sent: 17, cancelled: 3 },
        { at: iso(t0 + 3 * H), ...zero, expired: 6 },
      ],
      totals: { sent: 24, failed: 1, unknown: 4, expired: 6, cancelled: 3 },
    });

    // One mailing; the range is widened to whole buckets (09:20 -> 09:00, 11:10 -> 12:00).
    const one = await s.http('GET', `/api/v1/stats/messages?bucket=hour&mailing_id=${a.id}&from=${iso(t0 + 20 * M)}&to=${iso(t0 + 2 * H + 10 * M)}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.from, iso(t0));
    assert.equal(one.body.to, iso(t0 + 3 * H));
    assert.equal(one.body.mailing_id, a.id);
    assert.deepEqual(one.body.points.map((p: { sent: number }) => p.sent), [7, 0, 7]);
    assert.deepEqual(one.body.totals, { sent: 14, failed: 1, unknown: 4, expired: 0, cancelled: 3 });

    const minutes = await s.http('GET', `/api/v1/stats/messages?bucket=minute&mailing_id=${a.id}&from=${iso(t0)}&to=${iso(t0 + 3 * M)}`);
    assert.deepEqual(minutes.body.points, [
      { at: iso(t0), ...zero, sent: 5 },
      { at: iso(t0 + M), ...zero, sent: 2, failed: 1 },
      { at: iso(t0 + 2 * M), ...zero },
    ]);

    // Days are UTC days.
    const days = await s.http('GET', `/api/v1/stats/messages?bucket=day&from=${iso(t0 - 24 * H)}&to=${iso(t0 + 1)}`);
    assert.equal(days.body.from, iso(Date.UTC(2031, 0, 9)));
    assert.equal(days.body.to, iso(Date.UTC(2031, 0, 11)));
    assert.deepEqual(days.body.points.map((p: { at: string; sent: number }) => [p.at, p.sent]), [[iso(Date.UTC(2031, 0, 9)), 0], [iso(Date.UTC(2031, 0, 10)), 24]]);

    // Defaults: the last 24 hours up to now, in hours.
    const recent = await s.http('GET', '/api/v1/stats/messages');
    assert.equal(recent.status, 200);
    assert.equal(recent.body.bucket, 'hour');
    assert.ok(recent.body.points.length === 24 || recent.body.points.length === 25, `${recent.body.points.length} points`);
    assert.ok(Date.parse(recent.body.to) >= Date.now() - 1000);
  });

  test('ranges and parameters are validated: 400 naming the field, 404 for an unknown mailing', async () => {
    const t0 = Date.UTC(2031, 0, 10, 9, 0);
    const cases: [string, string][] = [
      [`from=${iso(t0)}&to=${iso(t0)}`, 'query.to'],
      [`from=${iso(t0 + H)}&to=${iso(t0)}`, 'query.to'],
      [`from=${iso(Date.now() + H)}`, 'query.from'], // to defaults to now
      [`bucket=hour&from=${iso(t0)}&to=${iso(t0 + 91 * 24 * H)}`, 'query.from'],
      [`bucket=minute&from=${iso(t0)}&to=${iso(t0 + 37 * H)}`, 'query.from'],
      ['bucket=week', 'query.bucket'],
      ['from=yesterday', 'query.from'],
      ['to=2026-13-01T00:00:00Z', 'query.to'],
      ['mailing_id=0', 'query.mailing_id'],
      ['mailing_id=01', 'query.mailing_id'],
    ];
    for (const [query, field] of cases) {
      const r = await s.http('GET', `/api/v1/stats/messages?${query}`);
      assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.errors.some((e: { path: string }) => e.path === field), `${query} names ${field}: ${JSON.stringify(r.body.errors)}`);
    }
    // 90 days of hours is the most; a larger bucket takes a longer range.
    assert.equal((await s.http('GET', `/api/v1/stats/messages?bucket=hour&from=${iso(t0)}&to=${iso(t0 + 90 * 24 * H)}`)).body.points.length, 2160);
    assert.equal((await s.http('GET', `/api/v1/stats/messages?bucket=day&from=${iso(t0)}&to=${iso(t0 + 365 * 24 * H)}`)).status, 200);
    assert.equal((await s.http('GET', '/api/v1/stats/messages?mailing_id=999999')).status, 404);
    assert.equal((await s.http('GET', '/api/v1/mailings/999999/timeline')).status, 404);
    const bad = await s.http('GET', `/api/v1/mailings/1/timeline?from=${iso(t0 + H)}&to=${iso(t0)}`);
    assert.ok(bad.status === 400 || bad.status === 404);
  });

  test('a mailing sent through the stack: its timeline, the overview series and mailings by status agree with its counts', async () => {
    const db = s.tdb.db;
    await insertClients(db, 12, { operator: '932' });
    const created = await s.http('POST', '/api/v1/mailings', {
      text: 'Timeline', starts_at: iso(Date.now() - 1000), ends_at: iso(Date.now() + H), filter: { operator_codes: ['932'] },
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${id}`)).body.status === 'completed', 60_000, 'completed');

    const timeline = await s.http('GET', `/api/v1/mailings/${id}/timeline`);
    assert.equal(timeline.status, 200, JSON.stringify(timeline.body));
    assert.equal(timeline.body.bucket, 'minute');
    assert.equal(timeline.body.mailing_id, id);
    assert.deepEqual(timeline.body.totals, { sent: 12, failed: 0, unknown: 0, expired: 0, cancelled: 0 });
    assert.ok(timeline.body.points.length >= 1 && timeline.body.points.length <= 3, `${timeline.body.points.length} minutes`);
    assert.ok(Date.parse(timeline.body.from) <= Date.parse(created.body.created_at));
    const hourly = await s.http('GET', `/api/v1/mailings/${id}/timeline?bucket=hour`);
    assert.equal(hourly.body.points.reduce((n: number, p: { sent: number }) => n + p.sent, 0), 12);

    const everything = await s.http('GET', `/api/v1/stats/messages?bucket=minute&from=${iso(Date.now() - H)}&to=${iso(Date.now() + M)}`);
    assert.ok(everything.body.totals.sent >= 12);

    // Mailings by status, over all of them and those created in a range.
    const byStatus = await s.http('GET', '/api/v1/stats/mailings/by-status');
    assert.equal(byStatus.status, 200);
    const rows = await db.selectFrom('mailings').select(['status']).execute();
    const expected = { draft: 0, scheduled: 0, running: 0, paused: 0, completed: 0, cancelled: 0 } as Record<string, number>;
    for (const r of rows) expected[r.status]++;
    assert.deepEqual(byStatus.body, { from: null, to: null, counts: expected, total: rows.length });
    assert.ok(byStatus.body.counts.completed >= 1);

    const t0 = Date.UTC(2030, 5, 1);
    const old = await createMailingRow(db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H) });
    const older = await createMailingRow(db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H) });
    await sql`UPDATE mailings SET created_at = ${new Date(t0 + H)}, status = 'cancelled' WHERE id = ${old.id}`.execute(db);
    await sql`UPDATE mailings SET created_at = ${new Date(t0 + 2 * H)} WHERE id = ${older.id}`.execute(db);
    const ranged = await s.http('GET', `/api/v1/stats/mailings/by-status?from=${iso(t0)}&to=${iso(t0 + 2 * H)}`);
    assert.deepEqual(ranged.body, { from: iso(t0), to: iso(t0 + 2 * H), counts: { draft: 0, scheduled: 0, running: 0, paused: 0, completed: 0, cancelled: 1 }, total: 1 });
    const wider = await s.http('GET', `/api/v1/stats/mailings/by-status?from=${iso(t0)}&to=${iso(t0 + 3 * H)}`);
    assert.deepEqual(wider.body.counts, { draft: 0, scheduled: 1, running: 0, paused: 0, completed: 0, cancelled: 1 });
    const backwards = await s.http('GET', `/api/v1/stats/mailings/by-status?from=${iso(t0)}&to=${iso(t0)}`);
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.errors[0].path, 'query.to');
  });

  test('a viewer key reads the statistics', async () => {
    const key = await s.http('POST', '/api/v1/api-keys', { name: 'stats viewer', role: 'viewer' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    for (const p of ['/api/v1/stats/messages', '/api/v1/stats/mailings/by-status', '/api/v1/stats/webhooks', '/api/v1/stats/syncs']) {
      assert.equal((await s.http('GET', p, undefined, key.body.key)).status, 200, p);
    }
    assert.equal((await s.http('GET', '/api/v1/stats/messages', undefined, null)).status, 401);
  });
});

describe('the statistics migration on a database with history', () => {
  test('counts existing messages: sent at sent_at, the others at updated_at, pending per zone', async () => {
    const tdb = await createTestDatabase();
    try {
      const db = tdb.db;
      const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }) });
      const all = (await migrator.getMigrations()).map((m) => m.name);
      const previous = all[all.indexOf('2026-12-03T1900-message-statistics') - 1];
      assert.ok(!(await migrator.migrateTo(previous)).error); // back to just before the statistics migration

      await insertClients(db, 5, { operator: '933', timezone: 'Europe/Berlin' });
      await insertClients(db, 2, { operator: '933', timezone: 'America/New_York' });
      const mailing = await createMailingRow(db, { startsAt: new Date(Date.now() + H), endsAt: new Date(Date.now() + 2 * H) });
      await materializeMessages(db, mailing.id, { operatorCodes: ['933'], tags: [] });
      const ids = await messageIds(db, mailing.id, 'Europe/Berlin');
      const t = Date.UTC(2026, 10, 20, 8, 15, 42);
      await db.updateTable('messages').set({ status: 'sent', sent_at: new Date(t), updated_at: new Date(t + 5 * M) }).where('id', 'in', ids.slice(0, 3)).execute();
      await db.updateTable('messages').set({ status: 'failed', updated_at: new Date(t + 2 * H) }).where('id', '=', ids[3]).execute();

      assert.ok(!(await migrator.migrateToLatest()).error);
      assert.deepEqual(await minuteRows(db, mailing.id), [
        { minute: Date.UTC(2026, 10, 20, 8, 15), status: 'sent', count: 3 },
        { minute: Date.UTC(2026, 10, 20, 10, 15), status: 'failed', count: 1 },
      ]);
      assert.deepEqual(await zoneRows(db, mailing.id), [
        { timezone: 'America/New_York', messages: 2, pending: 2 },
        { timezone: 'Europe/Berlin', messages: 5, pending: 1 },
      ]);
      // And the triggers carry on from there.
      await markSent(db, [ids[4]]);
      assert.deepEqual((await zoneRows(db, mailing.id))[1], { timezone: 'Europe/Berlin', messages: 5, pending: 0 });
      assert.equal((await minuteRows(db, mailing.id)).filter((r) => r.status === 'sent').reduce((n, r) => n + r.count, 0), 4);
    } finally {
      await tdb.drop();
    }
  });
});
