import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../lib/db/connect';
import { startStack, type Stack } from '../support/stack';

// Webhook attempt and integration sync statistics per time bucket, with rows written at known times.
let s: Stack;
before(async () => {
  s = await startStack({ withWorker: false });
});
after(async () => {
  await s?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;
const M = 60_000;
const t0 = Date.UTC(2031, 1, 1); // a range nothing else writes to

async function insertId(db: Db, query: ReturnType<typeof sql<{ id: string }>>): Promise<number> {
  return Number((await query.execute(db)).rows[0].id);
}

describe('webhook statistics', () => {
  let e1: number;
  let e2: number;
  before(async () => {
    const db = s.tdb.db;
    e1 = await insertId(db, sql<{ id: string }>`INSERT INTO webhook_endpoints (url) VALUES ('http://127.0.0.1:9/one') RETURNING id`);
    e2 = await insertId(db, sql<{ id: string }>`INSERT INTO webhook_endpoints (url) VALUES ('http://127.0.0.1:9/two') RETURNING id`);
    const event = await insertId(db, sql<{ id: string }>`INSERT INTO webhook_events (type, payload, source) VALUES ('order.created', '{}', 'api') RETURNING id`);
    const d1 = await insertId(db, sql<{ id: string }>`INSERT INTO webhook_deliveries (event_id, endpoint_id) VALUES (${event}, ${e1}) RETURNING id`);
    const d2 = await insertId(db, sql<{ id: string }>`INSERT INTO webhook_deliveries (event_id, endpoint_id) VALUES (${event}, ${e2}) RETURNING id`);
    const attempts: [number, number, number, number, number, string][] = [
      [d1, e1, 1, t0 + 5 * M, 10, 'succeeded'],
      [d1, e1, 2, t0 + 10 * M, 20, 'succeeded'],
      [d1, e1, 3, t0 + 20 * M, 30, 'failed'],
      [d1, e1, 4, t0 + 50 * M, 40, 'succeeded'],
      [d2, e2, 1, t0 + 2 * H + M, 100, 'failed'],
      [d2, e2, 2, t0 + 2 * H + 2 * M, 300, 'succeeded'],
      [d2, e2, 3, t0 - M, 5000, 'failed'], // before the range
      [d2, e2, 4, t0 + 3 * H, 5000, 'failed'], // at its (exclusive) end
    ];
    for (const [delivery, endpoint, attempt, at, ms, outcome] of attempts) {
      await sql`INSERT INTO webhook_attempts (delivery_id, event_id, endpoint_id, attempt, trigger, started_at, duration_ms, outcome, status_code)
        VALUES (${delivery}, ${event}, ${endpoint}, ${attempt}, 'scheduled', ${new Date(at)}, ${ms}, ${outcome}, ${outcome === 'succeeded' ? 200 : 500})`.execute(db);
    }
  });

  test('per bucket and over the range: attempts by outcome, success rate, latency p50/p99 (percentile_cont), empty buckets as nulls', async () => {
    const r = await s.http('GET', `/api/v1/stats/webhooks?bucket=hour&from=${iso(t0)}&to=${iso(t0 + 3 * H)}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const none = { attempts: 0, succeeded: 0, failed: 0, success_rate: null, latency_p50_ms: null, latency_p99_ms: null };
    assert.deepEqual(r.body, {
      bucket: 'hour', from: iso(t0), to: iso(t0 + 3 * H), endpoint_id: null,
      points: [
        // 10, 20, 30, 40 ms: p50 25, p99 30 + 0.97 * 10 = 39.7
        { at: iso(t0), attempts: 4, succeeded: 3, failed: 1, success_rate: 0.75, latency_p50_ms: 25, latency_p99_ms: 40 },
        { at: iso(t0 + H), ...none },
        // 100, 300 ms: p50 200, p99 100 + 0.99 * 200 = 298
        { at: iso(t0 + 2 * H), attempts: 2, succeeded: 1, failed: 1, success_rate: 0.5, latency_p50_ms: 200, latency_p99_ms: 298 },
      ],
      // 10, 20, 30, 40, 100, 300 ms: p50 35, p99 100 + 0.95 * 200 = 290
      totals: { attempts: 6, succeeded: 4, failed: 2, success_rate: 4 / 6, latency_p50_ms: 35, latency_p99_ms: 290 },
    });

    const one = await s.http('GET', `/api/v1/stats/webhooks?bucket=hour&endpoint_id=${e2}&from=${iso(t0)}&to=${iso(t0 + 3 * H)}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.endpoint_id, e2);
    assert.deepEqual(one.body.points.map((p: { attempts: number }) => p.attempts), [0, 0, 2]);
    assert.deepEqual(one.body.totals, { attempts: 2, succeeded: 1, failed: 1, success_rate: 0.5, latency_p50_ms: 200, latency_p99_ms: 298 });

    const empty = await s.http('GET', `/api/v1/stats/webhooks?bucket=minute&from=${iso(t0 + 30 * M)}&to=${iso(t0 + 33 * M)}`);
    assert.deepEqual(empty.body.points.map((p: { at: string; attempts: number }) => [p.at, p.attempts]), [[iso(t0 + 30 * M), 0], [iso(t0 + 31 * M), 0], [iso(t0 + 32 * M), 0]]);
    assert.deepEqual(empty.body.totals, none);
    assert.equal((await s.http('GET', `/api/v1/stats/webhooks?bucket=minute&from=${iso(t0 + 50 * M)}&to=${iso(t0 + 51 * M)}`)).body.totals.latency_p99_ms, 40);
    // Days are UTC days: the whole of t0's day, the attempts at t0 - 1 min and t0 + 3 h included.
    const day = await s.http('GET', `/api/v1/stats/webhooks?bucket=day&from=${iso(t0 - M)}&to=${iso(t0 + M)}`);
    assert.deepEqual(day.body.points.map((p: { at: string; attempts: number }) => [p.at, p.attempts]), [[iso(t0 - 24 * H), 1], [iso(t0), 7]]);
  });

  test('validation and unknown endpoints', async () => {
    assert.equal((await s.http('GET', '/api/v1/stats/webhooks?endpoint_id=999999')).status, 404);
    const backwards = await s.http('GET', `/api/v1/stats/webhooks?from=${iso(t0 + H)}&to=${iso(t0)}`);
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.errors[0].path, 'query.to');
    const long = await s.http('GET', `/api/v1/stats/webhooks?bucket=minute&from=${iso(t0)}&to=${iso(t0 + 48 * H)}`);
    assert.equal(long.status, 400);
    assert.equal(long.body.errors[0].path, 'query.from');
    const defaults = await s.http('GET', '/api/v1/stats/webhooks');
    assert.equal(defaults.status, 200);
    assert.equal(defaults.body.bucket, 'hour');
  });
});

describe('integration sync statistics', () => {
  let i2: number;
  before(async () => {
    const db = s.tdb.db;
    const i1 = await insertId(db, sql<{ id: string }>`INSERT INTO integrations (name, provider, config, schedule) VALUES ('one', 'http-json', '{}', '{}') RETURNING id`);
    i2 = await insertId(db, sql<{ id: string }>`INSERT INTO integrations (name, provider, config, schedule) VALUES ('two', 'http-json', '{}', '{}') RETURNING id`);
    const runs: [number, string, number, number, number, number][] = [
      [i1, 'succeeded', t0 + 10 * M, 100, 60, 40],
      [i1, 'failed', t0 + 30 * M, 5, 0, 0],
      [i1, 'cancelled', t0 + H + 5 * M, 0, 0, 0],
      [i1, 'running', t0 + 3 * H, 7, 7, 0],
      [i2, 'succeeded', t0 + 20 * M, 50, 50, 0],
      [i2, 'running', t0 + 3 * H + 30 * M, 0, 0, 0],
      [i2, 'succeeded', t0 + 4 * H, 999, 999, 999], // at the range's (exclusive) end
    ];
    for (const [integration, status, at, fetched, inserted, updated] of runs) {
      await sql`INSERT INTO integration_runs (integration_id, trigger, status, started_at, fetched, inserted, updated)
        VALUES (${integration}, 'manual', ${status}, ${new Date(at)}, ${fetched}, ${inserted}, ${updated})`.execute(db);
    }
  });

  test('runs by status per bucket of their start, with records fetched, inserted and updated, and totals', async () => {
    const r = await s.http('GET', `/api/v1/stats/syncs?bucket=hour&from=${iso(t0)}&to=${iso(t0 + 4 * H)}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const zero = { runs: 0, succeeded: 0, failed: 0, cancelled: 0, running: 0, fetched: 0, inserted: 0, updated: 0 };
    assert.deepEqual(r.body, {
      bucket: 'hour', from: iso(t0), to: iso(t0 + 4 * H), integration_id: null,
      points: [
        { at: iso(t0), ...zero, runs: 3, succeeded: 2, failed: 1, fetched: 155, inserted: 110, updated: 40 },
        { at: iso(t0 + H), ...zero, runs: 1, cancelled: 1 },
        { at: iso(t0 + 2 * H), ...zero },
        { at: iso(t0 + 3 * H), ...zero, runs: 2, running: 2, fetched: 7, inserted: 7 },
      ],
      totals: { runs: 6, succeeded: 2, failed: 1, cancelled: 1, running: 2, fetched: 162, inserted: 117, updated: 40 },
    });
    const one = await s.http('GET', `/api/v1/stats/syncs?bucket=hour&integration_id=${i2}&from=${iso(t0)}&to=${iso(t0 + 4 * H)}`);
    assert.equal(one.body.integration_id, i2);
    assert.deepEqual(one.body.totals, { ...zero, runs: 2, succeeded: 1, running: 1, fetched: 50, inserted: 50 });
    assert.equal((await s.http('GET', '/api/v1/stats/syncs?integration_id=999999')).status, 404);
    const bad = await s.http('GET', '/api/v1/stats/syncs?integration_id=abc');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'query.integration_id');
  });
});
