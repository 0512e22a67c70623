import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type Stack } from '../support/stack';

// Classes of hostile input, each checked across every documented route where it applies (read from /openapi.json),
// not only on the route where it was first found.
let s: Stack;
let doc: { paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { type?: string; enum?: unknown[] } }[]; requestBody?: unknown; security?: unknown[] }>> };
before(async () => {
  s = await startStack({ withWorker: false });
  doc = (await s.http('GET', '/openapi.json', undefined, null)).body;
});
after(async () => {
  await s?.close();
});

type Operation = { path: string; method: string; params: { name: string; in: string; schema?: { type?: string; enum?: unknown[] } }[]; body: boolean; isPublic: boolean };
const operations = (): Operation[] =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      path,
      method: method.toUpperCase(),
      params: op.parameters ?? [],
      body: op.requestBody !== undefined,
      isPublic: Array.isArray(op.security) && op.security.length === 0, // the console's sign-in: no key needed
    })),
  );
/** A concrete URL for a documented path: every path parameter filled with `value` (or a valid one). */
const fill = (op: Operation, values: Record<string, string> = {}) =>
  op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name] ?? (name === 'id' && op.path.startsWith('/api/v1/providers') ? 'http-json' : name === 'id' && op.path.startsWith('/api/v1/credential-types') ? 'api-key' : name === 'name' ? 'order.created' : '1'));

describe('hostile input gets a 4xx naming the field, on every route', () => {
  test('a deeply nested body is a 400 naming where it got too deep; without a key it is a 401 and is not even read', async () => {
    const deep = '['.repeat(8_000) + ']'.repeat(8_000);
    const authed = await s.http('POST', '/api/v1/webhooks/events', `{"type":"x","payload":${deep}}`);
    assert.equal(authed.status, 400);
    assert.match(authed.body.errors[0].path, /^body\.payload(\.0)+$/);
    assert.match(authed.body.errors[0].message, /deeper than 64/);
    for (const op of operations().filter((o) => o.body)) {
      const r = await s.http(op.method, fill(op), deep);
      assert.equal(r.status, 400, `${op.method} ${op.path}: ${JSON.stringify(r.body)}`);
      const anonymous = await s.http(op.method, fill(op), deep, null);
      assert.equal(anonymous.status, op.isPublic ? 400 : 401, `${op.method} ${op.path} without a key`);
    }
  });

  test('a NUL character in any string query parameter, path parameter or body field is a 400 naming it', async () => {
    let checked = 0;
    for (const op of operations()) {
      for (const p of op.params.filter((p) => p.in === 'query' && p.schema?.type === 'string')) {
        const r = await s.http(op.method, `${fill(op)}?${p.name}=a%00b`);
        assert.equal(r.status, 400, `${op.method} ${op.path}?${p.name}: ${JSON.stringify(r.body)}`);
        assert.ok(r.body.errors.some((e: { path: string }) => e.path === `query.${p.name}`), `${op.path} names query.${p.name}`);
        checked++;
      }
      for (const p of op.params.filter((p) => p.in === 'path')) {
        const r = await s.http(op.method, fill(op, { [p.name]: 'a%00' }));
        assert.equal(r.status, 400, `${op.method} ${op.path} {${p.name}}: ${JSON.stringify(r.body)}`);
        assert.ok(r.body.errors.some((e: { path: string }) => e.path === `params.${p.name}`), `${op.path} names params.${p.name}`);
        checked++;
      }
    }
    assert.ok(checked > 40, `checked ${checked} parameters`);
    const body = await s.http('POST', '/api/v1/clients', { phone: '79001112233', timezone: 'UTC', tag: 'a\u0000b' });
    assert.deepEqual(body.body.errors, [{ path: 'body.tag', message: 'must not contain the NUL character (\\u0000)' }]);
  });

  test('ids, limits and cursors are plain decimal digits within range, everywhere', async () => {
    let checked = 0;
    for (const op of operations()) {
      for (const p of op.params.filter((p) => p.in === 'path' && p.schema?.type === 'integer')) {
        for (const bad of ['+1', '%201', '00001', '1e3', '0x10', '1.0', '-1', '0', '9007199254740992', '99999999999999999999']) {
          const r = await s.http(op.method, fill(op, { [p.name]: bad }));
          assert.equal(r.status, 400, `${op.method} ${op.path} {${p.name}} = ${bad}: ${r.status}`);
          assert.equal(r.body.errors[0].path, `params.${p.name}`);
          checked++;
        }
      }
      for (const p of op.params.filter((p) => p.in === 'query' && p.schema?.type === 'integer')) {
        for (const bad of ['0x10', '+5', '1e2', '01', '', '9007199254740992']) {
          const r = await s.http(op.method, `${fill(op)}?${p.name}=${encodeURIComponent(bad)}`);
          assert.equal(r.status, 400, `${op.method} ${op.path}?${p.name}=${bad}: ${r.status}`);
          assert.ok(r.body.errors.some((e: { path: string }) => e.path === `query.${p.name}`));
          checked++;
        }
      }
    }
    assert.ok(checked > 200, `checked ${checked}`);
    assert.equal((await s.http('GET', '/api/v1/clients?limit=10&cursor=0')).status, 200);
  });

  test('timestamps: any RFC 3339 offset is taken and stored as UTC; years outside 1970-2199 are refused', async () => {
    const created = await s.http('POST', '/api/v1/mailings', {
      text: 'offsets', starts_at: '2100-01-01T00:00:00+23:59', ends_at: '2100-01-02T00:00:00-16:30',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.starts_at, '2099-12-31T00:01:00.000Z');
    assert.equal(created.body.ends_at, '2100-01-02T16:30:00.000Z');
    const lower = await s.http('POST', '/api/v1/mailings', { text: 'x', starts_at: '2100-01-01t00:00:00z', ends_at: '2100-01-02T00:00:00Z' });
    assert.equal(lower.status, 201, 'RFC 3339 allows a lower-case t and z');
    for (const [starts_at, path] of [
      ['0001-01-01T00:00:00Z', 'body.starts_at'],
      ['9999-12-31T23:59:59Z', 'body.starts_at'],
      ['2100-01-01T00:00:00+24:00', 'body.starts_at'],
      ['2100-02-30T00:00:00Z', 'body.starts_at'],
    ]) {
      const r = await s.http('POST', '/api/v1/mailings', { text: 'x', starts_at, ends_at: '2100-03-01T00:00:00Z' });
      assert.equal(r.status, 400, starts_at);
      assert.equal(r.body.errors[0].path, path);
    }
    const since = await s.http('GET', '/api/v1/webhooks/events?since=0001-01-01T00:00:00Z');
    assert.equal(since.status, 400);
    assert.equal(since.body.errors[0].path, 'query.since');
  });

  test('unknown body keys are named at their own path; an empty PATCH is a 400 on every PATCH route', async () => {
    const unknown = await s.http('POST', '/api/v1/clients', { phone: '79001112234', timezone: 'UTC', colour: 'red', size: 2 });
    assert.deepEqual(unknown.body.errors, [
      { path: 'body.colour', message: 'is not a known field' },
      { path: 'body.size', message: 'is not a known field' },
    ]);
    const client = await s.http('POST', '/api/v1/clients', { phone: '79001112235', timezone: 'UTC' });
    const patchUnknown = await s.http('PATCH', `/api/v1/clients/${client.body.id}`, { colour: 'red' });
    assert.deepEqual(patchUnknown.body.errors, [{ path: 'body.colour', message: 'is not a known field' }], 'no second, misleading error');
    const credential = await s.http('POST', '/api/v1/credentials', { name: 'c', type: 'bearer-token', secret: { token: 'secret-token-1' }, allowed_hosts: ['example.com'] });
    assert.equal(credential.status, 201, JSON.stringify(credential.body));
    const before = (await s.http('GET', `/api/v1/credentials/${credential.body.id}`)).body.updated_at;
    for (const op of operations().filter((o) => o.method === 'PATCH')) {
      const url = fill(op, { id: op.path.includes('credentials') ? String(credential.body.id) : String(client.body.id) });
      for (const body of [{}, undefined]) {
        const r = await s.http('PATCH', url, body);
        assert.equal(r.status, 400, `PATCH ${op.path} with ${JSON.stringify(body)}: ${r.status}`);
      }
    }
    assert.equal((await s.http('GET', `/api/v1/credentials/${credential.body.id}`)).body.updated_at, before, 'nothing bumped');
  });

  test('a body that is not JSON is a 415; the OpenAPI document lists 413, 415 and 429 wherever they can happen', async () => {
    const res = await fetch(`${s.api.url}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-key-0123456789', 'content-type': 'text/plain' },
      body: 'phone=79001112236',
    });
    assert.equal(res.status, 415);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    const tooBig = await s.http('POST', '/api/v1/clients', JSON.stringify({ phone: '79001112237', timezone: 'UTC', tag: 'x'.repeat(1_100_000) }));
    assert.equal(tooBig.status, 413);
    for (const op of operations().filter((o) => o.path.startsWith('/api/v1/'))) {
      const responses = Object.keys((doc.paths[op.path][op.method.toLowerCase()] as unknown as { responses: Record<string, unknown> }).responses);
      assert.ok(responses.includes('429'), `${op.method} ${op.path} documents 429`);
      if (op.body) assert.ok(responses.includes('413') && responses.includes('415'), `${op.method} ${op.path} documents 413 and 415`);
    }
  });
});
