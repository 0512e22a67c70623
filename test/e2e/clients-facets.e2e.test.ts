import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertClients } from '../support/fixtures';
import { startStack, waitFor, type Stack } from '../support/stack';

// The mailing form's helpers: facets offered from the data, and the count of clients a filter matches, which must be
// exactly what a mailing with that filter materialises.
let s: Stack;
before(async () => {
  s = await startStack();
  const db = s.tdb.db;
  await insertClients(db, 6, { operator: '901', tag: 'vip', timezone: 'Europe/Moscow' });
  await insertClients(db, 4, { operator: '901', tag: 'promo', timezone: 'Asia/Tokyo' });
  await insertClients(db, 3, { operator: '902', tag: 'vip', timezone: 'Asia/Tokyo' });
  await insertClients(db, 2, { operator: '903', tag: '', timezone: 'America/New_York' });
  await insertClients(db, 1, { operator: '902', tag: 'a,b', timezone: 'Europe/Moscow' });
});
after(async () => {
  await s?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

describe('client facets and filter counts', () => {
  test('GET /clients/facets: values with counts, most frequent first, ties by value, at most limit each', async () => {
    const r = await s.http('GET', '/api/v1/clients/facets');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, {
      operator_codes: [{ value: '901', count: 10 }, { value: '902', count: 4 }, { value: '903', count: 2 }],
      tags: [{ value: 'vip', count: 9 }, { value: 'promo', count: 4 }, { value: '', count: 2 }, { value: 'a,b', count: 1 }],
      timezones: [{ value: 'Asia/Tokyo', count: 7 }, { value: 'Europe/Moscow', count: 7 }, { value: 'America/New_York', count: 2 }],
      total: 16,
      limit: 100,
    });
    const top = await s.http('GET', '/api/v1/clients/facets?limit=1');
    assert.deepEqual([top.body.operator_codes, top.body.tags, top.body.timezones, top.body.total], [
      [{ value: '901', count: 10 }], [{ value: 'vip', count: 9 }], [{ value: 'Asia/Tokyo', count: 7 }], 16,
    ]);
    for (const bad of ['limit=0', 'limit=1001', 'limit=ten', 'limit=01']) {
      const b = await s.http('GET', `/api/v1/clients/facets?${bad}`);
      assert.equal(b.status, 400, bad);
      assert.equal(b.body.errors[0].path, 'query.limit');
    }
  });

  test('POST /clients/count: the mailing filter semantics (empty = any, any-of within a field, AND across fields), per zone on request', async () => {
    const count = async (body: unknown) => {
      const r = await s.http('POST', '/api/v1/clients/count', body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    assert.deepEqual(await count({}), { count: 16, timezones: null });
    assert.equal((await count({ operator_codes: ['901'] })).count, 10);
    assert.equal((await count({ operator_codes: ['901', '902'] })).count, 14);
    assert.equal((await count({ tags: ['vip', 'promo'] })).count, 13);
    assert.equal((await count({ operator_codes: ['902'], tags: ['vip'] })).count, 3);
    assert.equal((await count({ tags: [''] })).count, 2, 'the empty tag is a tag');
    assert.equal((await count({ tags: ['a,b'] })).count, 1, 'a tag with a comma is one tag');
    assert.equal((await count({ operator_codes: ['999'] })).count, 0);
    assert.deepEqual(await count({ operator_codes: ['901', '902'], tags: ['vip', 'promo'], by_timezone: true }), {
      count: 13,
      timezones: [{ timezone: 'Asia/Tokyo', count: 7 }, { timezone: 'Europe/Moscow', count: 6 }],
    });

    const bad = await s.http('POST', '/api/v1/clients/count', { operator_codes: ['901', 'ab'], colour: 'red' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ['body.colour', 'body.operator_codes.1']);
    assert.equal((await s.http('POST', '/api/v1/clients/count', 'operator_codes=901')).status, 400);
    const none = await s.http('POST', '/api/v1/clients/count');
    assert.equal(none.status, 400, 'the body is required');
    assert.equal(none.body.errors[0].path, 'body');
  });

  test('the count is what a real mailing with the same filter materialises', async () => {
    const filter = { operator_codes: ['901', '902'], tags: ['vip'] };
    const preview = await s.http('POST', '/api/v1/clients/count', { ...filter, by_timezone: true });
    const created = await s.http('POST', '/api/v1/mailings', {
      text: 'Preview check', starts_at: iso(Date.now() - 1000), ends_at: iso(Date.now() + 3_600_000), filter,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${created.body.id}`)).body.status === 'completed', 60_000, 'completed');
    const progress = await s.http('GET', `/api/v1/mailings/${created.body.id}/progress`);
    assert.equal(progress.body.total, preview.body.count);
    assert.equal(preview.body.count, 9);
    const zones = Object.fromEntries(progress.body.groups.flatMap((g: { timezones: string[]; messages: number }) => g.timezones.map((tz) => [tz, g])));
    assert.deepEqual(Object.keys(zones).sort(), preview.body.timezones.map((z: { timezone: string }) => z.timezone).sort());
  });

  test('beside /clients/{id}: other methods are 405 with their own Allow, and {id} still works', async () => {
    const facets = await s.http('DELETE', '/api/v1/clients/facets');
    assert.equal(facets.status, 405);
    assert.match(facets.body.detail, /allowed: GET, HEAD, OPTIONS/);
    const count = await s.http('GET', '/api/v1/clients/count');
    assert.equal(count.status, 405);
    assert.match(count.body.detail, /allowed: OPTIONS, POST/);
    const options = await fetch(`${s.api.url}/api/v1/clients/facets`, { method: 'OPTIONS', headers: { authorization: 'Bearer test-admin-key-0123456789' } });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.equal((await s.http('PATCH', '/api/v1/clients/count', { tag: 'x' })).status, 405);
    assert.equal((await s.http('GET', '/api/v1/clients/1')).status, 200);
    assert.equal((await s.http('GET', '/api/v1/clients/facets', undefined, null)).status, 401, 'the key is checked first');
    const viewer = await s.http('POST', '/api/v1/api-keys', { name: 'form viewer', role: 'viewer' });
    assert.equal((await s.http('GET', '/api/v1/clients/facets', undefined, viewer.body.key)).status, 200);
    assert.equal((await s.http('POST', '/api/v1/clients/count', {}, viewer.body.key)).status, 200, 'a read, for viewers too');
  });
});
