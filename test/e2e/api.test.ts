import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type Stack } from '../support/stack';

let s: Stack;
before(async () => {
  s = await startStack({ withWorker: false });
});
after(async () => {
  await s?.close();
});

const isProblem = (r: { contentType: string | null; body: any }, status: number) => {
  assert.match(r.contentType ?? '', /application\/problem\+json/);
  assert.equal(r.body.status, status);
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.type, 'string');
};

describe('API: auth, errors, clients, documentation', () => {
  test('health, /openapi.json and /docs need no key', async () => {
    const health = await s.http('GET', '/health', undefined, null);
    assert.equal(health.status, 200);
    assert.equal(health.body.database, 'ok');
    assert.equal(health.body.temporal, 'ok');
    const doc = await s.http('GET', '/openapi.json', undefined, null);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.ok(doc.body.paths['/api/v1/mailings'].post, 'mailing create documented');
    assert.ok(doc.body.paths['/api/v1/mailings/{id}/stats'].get, 'stats documented');
    assert.ok(doc.body.components.schemas.CreateMailing, 'request schema from zod');
    for (const [path, method] of [
      ['/api/v1/webhooks/endpoints', 'post'],
      ['/api/v1/webhooks/endpoints/{id}/secret/rotate', 'post'],
      ['/api/v1/webhooks/events', 'post'],
      ['/api/v1/webhooks/event-types', 'get'],
      ['/api/v1/webhooks/deliveries/{id}/resend', 'post'],
      ['/api/v1/webhooks/endpoints/{id}/recover', 'post'],
      ['/api/v1/webhooks/endpoints/{id}/attempts', 'get'],
      ['/api/v1/webhooks/stats', 'get'],
    ]) {
      assert.ok(doc.body.paths[path]?.[method], `${method} ${path} documented`);
    }
    assert.ok(doc.body.components.schemas.CreateWebhookEndpoint.properties.timeout_ms, 'webhook schemas from zod');
    const docs = await fetch(`${s.api.url}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui/i);
  });

  test('every other endpoint needs a key; unknown keys and routes are problem+json', async () => {
    const none = await s.http('GET', '/api/v1/clients', undefined, null);
    assert.equal(none.status, 401);
    isProblem(none, 401);
    const wrong = await s.http('GET', '/api/v1/clients', undefined, 'rk_not-a-real-key');
    isProblem(wrong, 401);
    const missing = await s.http('GET', '/api/v1/nope');
    assert.equal(missing.status, 404);
    isProblem(missing, 404);
    const root = await s.http('GET', '/definitely/not/here', undefined, null);
    isProblem(root, 404);
  });

  test('roles: viewer reads but cannot write; operator writes but cannot manage keys; keys are stored hashed', async () => {
    const viewer = await s.http('POST', '/api/v1/api-keys', { name: 'dash', role: 'viewer' });
    assert.equal(viewer.status, 201);
    assert.match(viewer.body.key, /^rk_/);
    const operator = await s.http('POST', '/api/v1/api-keys', { name: 'ops', role: 'operator' });
    const stored = await s.tdb.db.selectFrom('api_keys').selectAll().execute();
    assert.ok(stored.every((k) => k.key_hash.length === 64 && k.key_hash !== viewer.body.key && !k.key_hash.includes('rk_')));

    assert.equal((await s.http('GET', '/api/v1/clients', undefined, viewer.body.key)).status, 200);
    const denied = await s.http('POST', '/api/v1/clients', { phone: '79990000001', timezone: 'UTC' }, viewer.body.key);
    assert.equal(denied.status, 403);
    isProblem(denied, 403);
    assert.equal((await s.http('POST', '/api/v1/clients', { phone: '79990000001', timezone: 'UTC' }, operator.body.key)).status, 201);
    assert.equal((await s.http('GET', '/api/v1/api-keys', undefined, operator.body.key)).status, 403);

    const list = await s.http('GET', '/api/v1/api-keys');
    assert.ok(list.body.items.every((k: Record<string, unknown>) => !('key' in k) && !('key_hash' in k)));
    assert.equal((await s.http('DELETE', `/api/v1/api-keys/${viewer.body.id}`)).status, 204);
    assert.equal((await s.http('GET', '/api/v1/clients', undefined, viewer.body.key)).status, 401, 'revoked key refused');
  });

  test('clients: create, read, filter, paginate, update, delete; conflicts and bad input are 4xx naming the field', async () => {
    const a = await s.http('POST', '/api/v1/clients', { phone: '79161234567', tag: 'vip', timezone: 'Europe/Moscow' });
    assert.equal(a.status, 201);
    assert.equal(a.body.operator_code, '916', 'operator code defaults from the phone');
    const b = await s.http('POST', '/api/v1/clients', { phone: '79261234567', operator_code: '926', tag: 'vip', timezone: 'Asia/Tokyo' });
    assert.equal(b.status, 201);
    const dup = await s.http('POST', '/api/v1/clients', { phone: '79161234567', timezone: 'UTC' });
    assert.equal(dup.status, 409);
    assert.deepEqual(dup.body.errors, [{ path: 'body.phone', message: 'already exists' }]);

    const bad = await s.http('POST', '/api/v1/clients', { phone: '89161234567', operator_code: '12', timezone: 'Mars/Olympus', extra: 1 });
    assert.equal(bad.status, 400);
    isProblem(bad, 400);
    const paths = bad.body.errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ['body.extra', 'body.operator_code', 'body.phone', 'body.timezone']);

    const notJson = await s.http('POST', '/api/v1/clients', '{"phone": ');
    assert.equal(notJson.status, 400);
    isProblem(notJson, 400);

    const vip = await s.http('GET', '/api/v1/clients?tag=vip&operator_code=926');
    assert.deepEqual(vip.body.items.map((c: { id: number }) => c.id), [b.body.id]);
    const page1 = await s.http('GET', '/api/v1/clients?limit=1&tag=vip');
    assert.equal(page1.body.items.length, 1);
    const page2 = await s.http('GET', `/api/v1/clients?limit=1&tag=vip&cursor=${page1.body.next_cursor}`);
    assert.notEqual(page2.body.items[0].id, page1.body.items[0].id);
    const badQuery = await s.http('GET', '/api/v1/clients?limit=0');
    assert.equal(badQuery.status, 400);
    assert.equal(badQuery.body.errors[0].path, 'query.limit');

    const patched = await s.http('PATCH', `/api/v1/clients/${a.body.id}`, { tag: 'gold', timezone: 'Asia/Yekaterinburg' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.tag, 'gold');
    assert.equal((await s.http('PATCH', `/api/v1/clients/${a.body.id}`, {})).status, 400);
    assert.equal((await s.http('GET', '/api/v1/clients/abc')).body.errors[0].path, 'params.id');
    assert.equal((await s.http('DELETE', `/api/v1/clients/${a.body.id}`)).status, 204);
    assert.equal((await s.http('GET', `/api/v1/clients/${a.body.id}`)).status, 404);
  });

  test('mailing input is validated before anything is stored', async () => {
    const before = await s.tdb.db.selectFrom('mailings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const now = Date.now();
    const cases: [unknown, string][] = [
      [{ text: '', starts_at: new Date(now).toISOString(), ends_at: new Date(now + 60_000).toISOString() }, 'body.text'],
      [{ text: 'x', starts_at: new Date(now).toISOString(), ends_at: new Date(now - 60_000).toISOString() }, 'body.ends_at'],
      [{ text: 'x', starts_at: new Date(now - 120_000).toISOString(), ends_at: new Date(now - 60_000).toISOString() }, 'body.ends_at'],
      [{ text: 'x', starts_at: 'tomorrow', ends_at: new Date(now + 60_000).toISOString() }, 'body.starts_at'],
      [{ text: 'x', starts_at: new Date(now).toISOString(), ends_at: new Date(now + 60_000).toISOString(), send_window: { from: '25:00', to: '10:00' } }, 'body.send_window.from'],
      [{ text: 'x', starts_at: new Date(now).toISOString(), ends_at: new Date(now + 60_000).toISOString(), send_window: { from: '10:00', to: '10:00' } }, 'body.send_window.to'],
      [{ text: 'x', starts_at: new Date(now).toISOString(), ends_at: new Date(now + 60_000).toISOString(), filter: { operator_codes: ['9'] } }, 'body.filter.operator_codes.0'],
    ];
    for (const [body, path] of cases) {
      const r = await s.http('POST', '/api/v1/mailings', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      isProblem(r, 400);
      assert.ok(r.body.errors.some((e: { path: string }) => e.path === path), `${path} named in ${JSON.stringify(r.body.errors)}`);
    }
    const afterCount = await s.tdb.db.selectFrom('mailings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n));
    assert.equal((await s.http('GET', '/api/v1/mailings/999999')).status, 404);
  });
});
