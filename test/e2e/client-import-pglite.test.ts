import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allRejections, generateFile, importEnded, uploadCsv, validRows } from '../support/client-import';
import { ADMIN_KEY, startStack, type Stack } from '../support/stack';

// The client import on the embedded database (PGlite, one connection shared by the API and the worker): the staging
// table (UNLOGGED), the batch transactions and the streamed export work there as on PostgreSQL.
let s: Stack;
before(async () => {
  s = await startStack({ embedded: true, config: { IMPORT_BATCH_ROWS: '500' } });
});
after(async () => {
  await s?.close();
});

describe('client import on embedded PGlite', { timeout: 300_000 }, () => {
  test('imports, reports rejections, dry-runs and exports', async () => {
    const file = generateFile(3_000, '6', 250);
    const posted = await uploadCsv(s, file.csv);
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const done = await importEnded(s, posted.body.id);
    assert.deepEqual(
      [done.status, done.rows_read, done.inserted, done.updated, done.rejected],
      ['completed', 3_000, file.clients.size, validRows(file) - file.clients.size, file.bad.size],
    );
    assert.deepEqual((await allRejections(s, done.id)).map((r) => r.line), [...file.bad.keys()]);

    const csv = await (await fetch(`${s.api.url}/api/v1/clients/export`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    assert.equal(csv.trimEnd().split('\r\n').length - 1, file.clients.size);
    const again = await importEnded(s, (await uploadCsv(s, csv, '?dry_run=true')).body.id);
    assert.deepEqual([again.status, again.inserted, again.updated, again.rejected], ['completed', 0, file.clients.size, 0]);
    assert.equal((await uploadCsv(s, 'phone,tag\n79000000001,x\n')).status, 400);
  });
});
