/**
 * Embedded PGlite behind the pg-wire socket: migrations run, transactions from the one shared `max: 1` pool never
 * interleave (and a rollback leaves nothing behind), the data dir survives close + reopen, and a second opener of
 * the same data dir is refused while the first holds it. See lib/db/embedded.ts for the pool size rule.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { createDb, type Db } from '../../lib/db/connect';
import { runMigrations } from '../../lib/db/migrate';
import { EMBEDDED_POOL_MAX, startEmbeddedPostgres, type EmbeddedPostgres } from '../../lib/db/embedded';

const client = (phone: string) => ({ phone, operator_code: '900', tag: 'pglite-smoke', timezone: 'UTC' });

describe('embedded PostgreSQL (PGlite over pglite-socket)', { timeout: 180_000 }, () => {
  let dataDir: string;
  let pg: EmbeddedPostgres | undefined;
  let db: Db | undefined;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'relay-pglite-'));
    pg = await startEmbeddedPostgres(dataDir);
    db = createDb(pg.url, { max: EMBEDDED_POOL_MAX });
  });

  after(async () => {
    await db?.destroy();
    await pg?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('runs the migrations', async () => {
    const ran = await runMigrations(db!);
    assert.ok(ran.length >= 1, 'expected at least the initial migration to run');
    const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public'`.execute(
      db!,
    );
    const names = tables.rows.map((r) => r.tablename);
    for (const t of ['clients', 'mailings', 'messages', 'api_keys']) assert.ok(names.includes(t), `missing ${t}`);
  });

  test('concurrent transactions through one max:1 pool run one after the other', async () => {
    const events: string[] = [];
    const t1 = db!.transaction().execute(async (trx) => {
      events.push('t1:begin');
      const a1 = await trx.insertInto('clients').values(client('+70000000001')).returning('id').executeTakeFirstOrThrow();
      await sleep(300); // t2 is issued meanwhile; it must not get in here
      const seenB = await trx.selectFrom('clients').select((e) => e.fn.countAll<number>().as('n')).where('phone', '=', '+70000000003').executeTakeFirstOrThrow();
      const a2 = await trx.insertInto('clients').values(client('+70000000002')).returning('id').executeTakeFirstOrThrow();
      events.push('t1:commit');
      return { a1: a1.id, a2: a2.id, seenB: Number(seenB.n) };
    });
    await sleep(50);
    const t2 = db!.transaction().execute(async (trx) => {
      events.push('t2:begin');
      const seenA = await trx.selectFrom('clients').select((e) => e.fn.countAll<number>().as('n')).where('phone', 'in', ['+70000000001', '+70000000002']).executeTakeFirstOrThrow();
      const b1 = await trx.insertInto('clients').values(client('+70000000003')).returning('id').executeTakeFirstOrThrow();
      events.push('t2:commit');
      return { b1: b1.id, seenA: Number(seenA.n) };
    });
    const [r1, r2] = await Promise.all([t1, t2]);

    assert.deepEqual(events, ['t1:begin', 't1:commit', 't2:begin', 't2:commit']);
    assert.equal(r1.seenB, 0, 't1 must not see t2 rows');
    assert.equal(r2.seenA, 2, 't2 starts after t1 committed and sees both of its rows');
    assert.equal(r1.a2, r1.a1 + 1, "t1's inserts are contiguous: nothing interleaved");
    assert.ok(r2.b1 > r1.a2, 't2 inserted after t1');
  });

  test('a rolled-back transaction leaves nothing behind, even with a concurrent writer', async () => {
    const failing = db!.transaction().execute(async (trx) => {
      await trx.insertInto('clients').values(client('+70000000009')).execute();
      await sleep(100);
      throw new Error('boom');
    });
    await sleep(20);
    const writer = db!.insertInto('clients').values(client('+70000000004')).returning('id').executeTakeFirstOrThrow();
    await assert.rejects(failing, /boom/);
    await writer;
    const phones = (await db!.selectFrom('clients').select('phone').orderBy('id').execute()).map((r) => r.phone);
    assert.deepEqual(phones, ['+70000000001', '+70000000002', '+70000000003', '+70000000004']);
  });

  test('a second opener of the same data dir is refused while it is open', async () => {
    await assert.rejects(startEmbeddedPostgres(dataDir), /already held|in use/);
  });

  test('data survives close and reopen of the data dir', async () => {
    await db!.destroy();
    await pg!.close();
    db = undefined;
    pg = undefined;

    pg = await startEmbeddedPostgres(dataDir);
    db = createDb(pg.url, { max: EMBEDDED_POOL_MAX });
    assert.deepEqual(await runMigrations(db), [], 'migrations are recorded as applied');
    const phones = (await db.selectFrom('clients').select('phone').orderBy('id').execute()).map((r) => r.phone);
    assert.deepEqual(phones, ['+70000000001', '+70000000002', '+70000000003', '+70000000004']);
  });
});
