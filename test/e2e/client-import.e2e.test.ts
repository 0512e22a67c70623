import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { allRejections, generateFile, importEnded, uploadCsv, validRows } from '../support/client-import';
import { ADMIN_KEY, startStack, waitFor, type Stack } from '../support/stack';

// Bulk client import and export end to end: HTTP API + Temporal dev server + worker + PostgreSQL.
let s: Stack;
before(async () => {
  // Small batches, so a 50,000-row import takes long enough to be watched; few kept rejections, so the bound shows.
  s = await startStack({ config: { IMPORT_BATCH_ROWS: '100', IMPORT_MAX_REJECTIONS: '40' } });
});
after(async () => {
  await s?.close();
});

const clientCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM clients`.execute(s.tdb.db)).rows[0].n);
const importCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM client_imports`.execute(s.tdb.db)).rows[0].n);
const stagedCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM client_import_rows`.execute(s.tdb.db)).rows[0].n);

describe('bulk client import and export (API + Temporal dev server + PostgreSQL)', { timeout: 600_000 }, () => {
  const file = generateFile(10_000, '9', 400); // 25 bad rows of six kinds

  test('imports 10,000 rows: counts, the rejection report with lines and fields, clients as the last row of each phone', async () => {
    const posted = await uploadCsv(s, file.csv);
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    assert.equal(posted.location, `/api/v1/clients/imports/${posted.body.id}`);
    assert.equal(posted.body.workflow_id, `client-import-${posted.body.id}`);
    assert.equal(posted.body.rows_read, 10_000);
    const done = await importEnded(s, posted.body.id);
    assert.equal(done.status, 'completed', done.error);
    assert.equal(done.rejected, file.bad.size);
    assert.equal(done.inserted, file.clients.size);
    assert.equal(done.updated, validRows(file) - file.clients.size, 'a repeated phone counts as an update');
    assert.equal(done.processed, 10_000);
    assert.equal(done.rejections_kept, file.bad.size);

    const rejections = await allRejections(s, done.id, 7);
    assert.deepEqual(rejections.map((r) => r.line), [...file.bad.keys()]);
    for (const r of rejections) assert.deepEqual(r.errors.map((e: { field: string }) => e.field), file.bad.get(r.line), `line ${r.line}`);
    const nul = rejections.find((r) => r.errors[0].reason.includes('NUL'));
    assert.ok(nul, 'a NUL character is a rejected row, not a 400');
    assert.match(rejections.find((r) => r.errors[0].field === 'row').errors[0].reason, /has 5 fields; the header has 4/);

    const rows = await s.tdb.db.selectFrom('clients').select(['phone', 'operator_code', 'tag', 'timezone']).execute();
    assert.equal(rows.length, file.clients.size);
    for (const row of rows) assert.deepEqual({ operator_code: row.operator_code, tag: row.tag, timezone: row.timezone }, file.clients.get(row.phone), row.phone);
    assert.equal(await stagedCount(), 0, 'staged rows are deleted when the import ends');
  });

  test('the same file again: every valid row is an update, nothing inserted', async () => {
    const posted = await uploadCsv(s, file.csv);
    const done = await importEnded(s, posted.body.id);
    assert.deepEqual([done.status, done.inserted, done.updated, done.rejected], ['completed', 0, validRows(file), file.bad.size]);
    assert.equal(await clientCount(), file.clients.size);
  });

  test('a dry run counts what it would do and writes nothing', async () => {
    const before = await s.tdb.db.selectFrom('clients').select(({ fn }) => [fn.max('updated_at').as('last'), fn.countAll<string>().as('n')]).executeTakeFirstOrThrow();
    // 100 known phones, 30 new ones of which 10 appear twice, 2 bad rows.
    const known = [...file.clients.keys()].slice(0, 100);
    const fresh = Array.from({ length: 30 }, (_, i) => `7800000${String(i).padStart(4, '0')}`);
    const rows = [...known, ...fresh, ...fresh.slice(0, 10)].map((phone) => `UTC,${phone},dry`);
    const csv = ['timezone,phone,tag', ...rows, 'x', `Europe/Moscow,79990000000,${'x'.repeat(70)}`].join('\n');
    const posted = await uploadCsv(s, csv, '?dry_run=true');
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    assert.equal(posted.body.dry_run, true);
    const done = await importEnded(s, posted.body.id);
    assert.deepEqual([done.status, done.rows_read, done.inserted, done.updated, done.rejected], ['completed', 142, 30, 110, 2]);
    const after = await s.tdb.db.selectFrom('clients').select(({ fn }) => [fn.max('updated_at').as('last'), fn.countAll<string>().as('n')]).executeTakeFirstOrThrow();
    assert.deepEqual(after, before, 'no client written');
    assert.deepEqual((await allRejections(s, done.id)).map((r) => r.line), [142, 143]);
  });

  test('a bad header, bad encoding or malformed CSV is a 400 naming the problem, and nothing is written', async () => {
    const imports = await importCount();
    const clients = await clientCount();
    const cases: [string | Buffer, RegExp][] = [
      ['phone,tag\n79000000001,x\n', /the column timezone is required/],
      ['phone,timezone,colour\n79000000001,UTC,red\n', /unknown column 'colour'/],
      ['phone,timezone,phone\n79000000001,UTC,79000000002\n', /duplicate column 'phone'/],
      ['phone,time\u0000zone\n', /NUL/],
      ['', /required/],
      [Buffer.from('phone,timezone,tag\n79000000001,UTC,M\xfcller\n', 'latin1'), /not valid UTF-8/],
      [Buffer.concat([Buffer.from('phone,timezone\n'), Buffer.from(Array.from({ length: 3000 }, (_, i) => `7900${String(i).padStart(7, '0')},UTC\n`).join('')), Buffer.from([0xc3, 0x28, 0x0a])]), /not valid UTF-8/],
      ['phone,timezone\n79000000001,"UTC\n', /quoted field is never closed/],
    ];
    for (const [body, message] of cases) {
      const r = await uploadCsv(s, body);
      assert.equal(r.status, 400, `${String(body).slice(0, 40)}: ${JSON.stringify(r.body)}`);
      assert.match(JSON.stringify(r.body.errors), message);
    }
    assert.equal((await uploadCsv(s, '{"phone":"79000000001"}', '', 'application/json')).status, 415);
    assert.equal((await uploadCsv(s, 'phone,timezone\n', '', 'text/csv; charset=latin1')).status, 415);
    assert.equal((await uploadCsv(s, 'phone,timezone\n', '?dry_run=maybe')).status, 400);
    assert.equal(await importCount(), imports, 'no import row left behind');
    assert.equal(await clientCount(), clients);
    assert.equal(await stagedCount(), 0);
  });

  test('a body declared larger than IMPORT_MAX_BYTES is a 413 before it is read', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${s.api.url}/api/v1/clients/import`);
      const req = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'text/csv', 'content-length': String(300 * 1024 ** 2) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('phone,timezone\n');
    });
    assert.equal(status, 413);
  });

  test('progress is readable while the workflow runs, and the history stays small', async () => {
    const big = generateFile(50_000, '5');
    const posted = await uploadCsv(s, big.csv);
    assert.equal(posted.status, 202);
    const seen: number[] = [];
    await waitFor(async () => {
      const r = (await s.http('GET', `/api/v1/clients/imports/${posted.body.id}`)).body;
      if (r.status === 'processing' && r.processed > 0 && r.processed < r.rows_read) seen.push(r.processed);
      return r.status !== 'processing';
    }, 300_000, 'import ended');
    assert.ok(seen.length >= 2 && seen[seen.length - 1] > seen[0], `progress moved while running (${seen.join(', ')})`);
    const listed = (await s.http('GET', '/api/v1/clients/imports?limit=2')).body;
    assert.equal(listed.items[0].id, posted.body.id);
    assert.equal(listed.items[0].inserted, big.clients.size);
    const history = await s.env.client.workflow.getHandle(`client-import-${posted.body.id}`).fetchHistory();
    assert.ok((history.events?.length ?? 0) < 200, `history of ${history.events?.length} events`);
  });

  test('more rejected rows than IMPORT_MAX_REJECTIONS: all counted, the first kept', async () => {
    const lines = ['phone,timezone', ...Array.from({ length: 60 }, (_, i) => `7100000${String(i).padStart(4, '0')},${i % 2 ? 'UTC' : 'Nowhere/Zone'}`)];
    const done = await importEnded(s, (await uploadCsv(s, lines.join('\n'))).body.id);
    assert.deepEqual([done.inserted, done.rejected, done.rejections_kept], [30, 30, 30]);
    const many = ['phone,timezone', ...Array.from({ length: 50 }, (_, i) => `bad${i},UTC`)];
    const second = await importEnded(s, (await uploadCsv(s, many.join('\n'))).body.id);
    assert.deepEqual([second.rejected, second.rejections_kept, second.max_rejections], [50, 40, 40]);
    assert.deepEqual((await allRejections(s, second.id, 15)).map((r) => r.line), Array.from({ length: 40 }, (_, i) => i + 2));
  });

  test('an upload cut off by its client leaves nothing; one abandoned by a dead API process is failed by the next import', async () => {
    const imports = await importCount();
    await new Promise<void>((resolve) => {
      const req = http.request(`${s.api.url}/api/v1/clients/import`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } });
      req.on('error', () => resolve());
      req.write(`phone,timezone\n${Array.from({ length: 20_000 }, (_, i) => `7300${String(i).padStart(7, '0')},UTC`).join('\n')}\n`);
      setTimeout(() => req.destroy(), 500);
    });
    await waitFor(async () => (await importCount()) === imports && (await stagedCount()) === 0, 10_000, 'the cut-off upload discarded');

    const stale = await s.tdb.db.insertInto('client_imports').values({ created_by: 'a dead API', updated_at: new Date(Date.now() - 3_600_000) }).returning('id').executeTakeFirstOrThrow();
    await s.tdb.db.insertInto('client_import_rows').values({ import_id: stale.id, line: 2, phone: '79000000001', operator_code: '900', tag: '', timezone: 'UTC', errors: null }).execute();
    await importEnded(s, (await uploadCsv(s, 'phone,timezone\n79000000002,UTC\n')).body.id);
    const after = (await s.http('GET', `/api/v1/clients/imports/${stale.id}`)).body;
    assert.equal(after.status, 'failed');
    assert.match(after.error, /interrupted/);
    assert.equal(await stagedCount(), 0);
  });

  test('staged rows lost before the workflow ran (a database crash empties the UNLOGGED table): the import fails, not short', async () => {
    await s.stopWorker();
    try {
      const posted = await uploadCsv(s, generateFile(1_000, '4').csv);
      assert.equal(posted.status, 202);
      await sql`DELETE FROM client_import_rows WHERE import_id = ${posted.body.id} AND line > 500`.execute(s.tdb.db);
      await s.startWorker();
      const done = await importEnded(s, posted.body.id);
      assert.equal(done.status, 'failed');
      assert.match(done.error, /499 of the 1000 rows read are still staged.*upload the file again/);
      assert.equal(done.processed, 499, 'the rows that were there went in');
      assert.equal(await stagedCount(), 0);
    } finally {
      if (!s.worker) await s.startWorker();
    }
  });

  test('the export streams every client as CSV with the import columns, filters apply, and it imports back as updates', async () => {
    const res = await fetch(`${s.api.url}/api/v1/clients/export`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const csv = await res.text();
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'phone,operator_code,tag,timezone');
    assert.equal(lines.length - 1, await clientCount());
    assert.ok(csv.includes('"with, comma ""q"""'), 'a field with a comma and quotes is quoted');
    const back = await importEnded(s, (await uploadCsv(s, csv, '?dry_run=true')).body.id);
    assert.deepEqual([back.rows_read, back.inserted, back.updated, back.rejected], [lines.length - 1, 0, lines.length - 1, 0]);

    const filtered = await (await fetch(`${s.api.url}/api/v1/clients/export?tag=t3&operator_code=903`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    const rows = filtered.trimEnd().split('\r\n').slice(1);
    const expected = await s.tdb.db.selectFrom('clients').select('phone').where('tag', '=', 't3').where('operator_code', '=', '903').execute();
    assert.ok(rows.length > 0);
    assert.deepEqual(rows.map((r) => r.split(',')[0]).sort(), expected.map((e) => e.phone).sort());
    assert.equal((await s.http('GET', '/api/v1/clients/export?phone=123')).status, 400);
    assert.equal((await s.http('POST', '/api/v1/clients/export', {})).status, 405);
    assert.equal((await s.http('GET', '/api/v1/clients/import')).status, 405);
  });
});
