import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import { claimDeliveries } from '../../lib/db/webhook-dispatch.repository';
import { createTestDatabase, type TestDatabase } from '../support/db';

// The dispatchers' claim, straight against PostgreSQL: which deliveries one claim takes when endpoints have backlogs.
let tdb: TestDatabase;
before(async () => {
  tdb = await createTestDatabase();
});
after(async () => {
  await tdb?.drop();
});
beforeEach(async () => {
  await sql`TRUNCATE webhook_events, webhook_endpoints CASCADE`.execute(tdb.db);
});

async function endpoint(fields: { breakerFailures?: number; openForMs?: number } = {}): Promise<number> {
  const { rows } = await sql<{ id: number }>`
    INSERT INTO webhook_endpoints (url, description, event_types, sealed_headers, timeout_ms, enabled, breaker_failures, breaker_open_until)
    VALUES ('http://127.0.0.1:1/x', '', '{}', '{}', 1000, true, ${fields.breakerFailures ?? 0},
            ${fields.openForMs === undefined ? null : sql`now() + ${fields.openForMs} * interval '1 millisecond'`})
    RETURNING id`.execute(tdb.db);
  return Number(rows[0].id);
}

/** `n` pending dispatcher deliveries to `endpointId`, due `ageMs` ago (one event each). */
async function backlog(endpointId: number, n: number, ageMs: number): Promise<void> {
  await sql`
    WITH ev AS (INSERT INTO webhook_events (type, payload, source) SELECT 'bench.event', '{}'::jsonb, 'api' FROM generate_series(1, ${n}) RETURNING id)
    INSERT INTO webhook_deliveries (event_id, endpoint_id, engine, dispatched_at, next_attempt_at)
    SELECT id, ${endpointId}, 'dispatcher', now(), now() - ${ageMs} * interval '1 millisecond' FROM ev`.execute(tdb.db);
}

const options = { shard: 0, shards: 1, limit: 500, perEndpoint: 64, leaseMs: 60_000, exclude: [] as number[], breakerThreshold: 5 };

describe('dispatch claims (PostgreSQL)', () => {
  test('a half-open endpoint with a large old backlog gets one probe, and the others still get their share', async () => {
    const recovering = await endpoint({ breakerFailures: 5 }); // breaker half-open: one probe
    const healthy = await endpoint();
    await backlog(recovering, 5_000, 60_000); // older than anything else
    await backlog(healthy, 10, 1_000);
    const claimed = await claimDeliveries(tdb.db, options);
    const per = (id: number) => claimed.filter((d) => d.endpoint_id === id).length;
    assert.equal(per(recovering), 1, 'one probe');
    assert.equal(per(healthy), 10, 'the healthy endpoint is not crowded out by the older backlog');
  });

  test('an open breaker\'s backlog is left alone; each endpoint gets at most its fair share of the claim', async () => {
    const dead = await endpoint({ breakerFailures: 5, openForMs: 60_000 });
    const ids = [await endpoint(), await endpoint(), await endpoint()];
    await backlog(dead, 3_000, 60_000);
    for (const id of ids) await backlog(id, 400, 1_000);
    const claimed = await claimDeliveries(tdb.db, { ...options, limit: 90, perEndpoint: 64 });
    assert.equal(claimed.filter((d) => d.endpoint_id === dead).length, 0);
    assert.deepEqual(ids.map((id) => claimed.filter((d) => d.endpoint_id === id).length), [30, 30, 30]);
    // Claimed deliveries are leased: the next claim takes the next ones.
    const again = await claimDeliveries(tdb.db, { ...options, limit: 90 });
    assert.equal(new Set([...claimed, ...again].map((d) => d.id)).size, claimed.length + again.length);
  });
});
