import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startApiServer } from '../../api/start-api';
import { generateEncryptionKey, SecretBox } from '../../lib/crypto/secret-box';
import { createLogger } from '../../lib/logger';
import { generateSecret } from '../../lib/webhooks/signing';
import { startStack, waitFor, type Stack } from '../support/stack';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';
import { createEndpoint, deliveryOf, postEvent, received, registerType, verify, waitDelivery } from '../support/webhooks';

let s: Stack;
let rx: TestReceiver;
let box: SecretBox;
let viewerKey: string;
let operatorKey: string;
before(async () => {
  [s, rx] = await Promise.all([startStack(), startTestReceiver()]);
  box = new SecretBox(s.config.ENCRYPTION_KEY!);
  await registerType(s, 'header.check');
  viewerKey = (await s.http('POST', '/api/v1/api-keys', { name: 'header viewer', role: 'viewer' })).body.key;
  operatorKey = (await s.http('POST', '/api/v1/api-keys', { name: 'header operator', role: 'operator' })).body.key;
});
after(async () => {
  await s?.close();
  await rx?.close();
});

const TOKEN = 'Bearer tok_0123456789abcdef';

/** An endpoint row written behind the API's back (as rows saved before today's rules were), with a working secret. */
async function insertRawEndpoint(path: string, columns: { sealed_headers?: Record<string, string>; legacy_plain_headers?: Record<string, string> }) {
  const row = await s.tdb.db
    .insertInto('webhook_endpoints')
    .values({
      url: `${rx.url}${path}`,
      event_types: ['header.check'],
      ...(columns.sealed_headers ? { sealed_headers: JSON.stringify(columns.sealed_headers) } : {}),
      ...(columns.legacy_plain_headers ? { legacy_plain_headers: JSON.stringify(columns.legacy_plain_headers) } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const secret = generateSecret();
  await s.tdb.db.insertInto('webhook_endpoint_secrets').values({ endpoint_id: row.id, secret_sealed: box.seal(secret) }).execute();
  return { id: row.id, secret };
}

const storedRow = (id: number) =>
  s.tdb.db.selectFrom('webhook_endpoints').select(['sealed_headers', 'legacy_plain_headers']).where('id', '=', id).executeTakeFirstOrThrow();

describe('webhook custom headers', () => {
  test('header names and values Node cannot send, reserved names and too many headers are a 400 naming body.headers.<name>', async () => {
    const url = `${rx.url}/refused`;
    const cases: [Record<string, unknown>, string][] = [
      [{ 'x-euro': 'price in €' }, 'body.headers.x-euro'], // above U+00FF
      [{ 'x-emoji': 'ok 👍' }, 'body.headers.x-emoji'],
      [{ 'x-bell': 'ding\u0007' }, 'body.headers.x-bell'], // a control character
      [{ 'x-del': 'a\u007fb' }, 'body.headers.x-del'], // DEL
      [{ 'x-crlf': 'a\r\nInjected: yes' }, 'body.headers.x-crlf'],
      [{ 'x bad': 'v' }, 'body.headers.x bad'],
      [{ 'x:colon': 'v' }, 'body.headers.x:colon'],
      [{ 'x-é': 'v' }, 'body.headers.x-é'],
      [{ 'Webhook-Signature': 'v1,forged' }, 'body.headers.Webhook-Signature'],
      [{ 'Content-Type': 'text/plain' }, 'body.headers.Content-Type'],
      [{ Host: 'internal.example' }, 'body.headers.Host'],
      [{ 'Transfer-Encoding': 'chunked' }, 'body.headers.Transfer-Encoding'],
      [{ 'X-Tenant': 'a', 'x-tenant': 'b' }, 'body.headers.x-tenant'],
      [{ 'x-long': 'v'.repeat(4097) }, 'body.headers.x-long'],
      [{ [`x-${'n'.repeat(100)}`]: 'v' }, `body.headers.x-${'n'.repeat(100)}`],
      [{ 'x-number': 42 }, 'body.headers.x-number'],
      [Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])), 'body.headers'],
    ];
    const endpoint = await createEndpoint(s, rx, '/refused-patch');
    for (const [headers, path] of cases) {
      for (const [method, target, body] of [
        ['POST', '/api/v1/webhooks/endpoints', { url, headers }],
        ['PATCH', `/api/v1/webhooks/endpoints/${endpoint.id}`, { headers }],
      ] as const) {
        const r = await s.http(method, target, body);
        assert.equal(r.status, 400, `${method} ${JSON.stringify(headers).slice(0, 80)}: ${JSON.stringify(r.body)}`);
        assert.equal(r.contentType?.startsWith('application/problem+json'), true);
        const error = r.body.errors.find((e: { path: string }) => e.path === path);
        assert.ok(error, `${path} in ${JSON.stringify(r.body.errors)}`);
        assert.notEqual(error.message, 'Invalid key in record', 'the message says what is wrong');
      }
    }
    // Latin-1 (U+0080-U+00FF, so NEL too: Node sends it), tab and the widest header set pass, and arrive as sent.
    const ok = await s.http('POST', '/api/v1/webhooks/endpoints', {
      url: `${rx.url}/latin1`,
      event_types: ['header.check'],
      headers: { 'x-latin1': 'café\tcrème', 'x-c1': 'a\u0085b', ...Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`x-h${i}`, 'v'])) },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}`)).body.header_names.length, 0, 'refused PATCHes changed nothing');
    const event = await postEvent(s, 'header.check', { n: 'latin1' });
    const [request] = await received(rx, '/latin1');
    assert.equal(request.headers['x-latin1'], 'café\tcrème');
    await waitDelivery(s, event.id, ok.body.id, 'succeeded');
  });

  test('values are sealed at rest and sent in clear; operators and admins see them, viewers only their names', async () => {
    const created = await s.http(
      'POST', '/api/v1/webhooks/endpoints',
      { url: `${rx.url}/sealed`, event_types: ['header.check'], headers: { Authorization: TOKEN, 'x-tenant': 'acme' } },
      operatorKey,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.headers, { Authorization: TOKEN, 'x-tenant': 'acme' });
    assert.deepEqual(created.body.header_names, ['Authorization', 'x-tenant']);
    const endpoint = created.body as { id: number; secret: string };

    const stored = await storedRow(endpoint.id);
    assert.deepEqual(stored.legacy_plain_headers, {});
    assert.deepEqual(Object.keys(stored.sealed_headers).sort(), ['Authorization', 'x-tenant']);
    for (const sealed of Object.values(stored.sealed_headers)) assert.match(sealed, /^v1\.[0-9a-f]{8}\./);
    assert.ok(!JSON.stringify(stored).includes('tok_0123456789abcdef'), 'no plain value in the row');
    assert.equal(box.open(stored.sealed_headers.Authorization), TOKEN);

    for (const key of [undefined, operatorKey]) {
      const got = await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}`, undefined, key);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.headers, { Authorization: TOKEN, 'x-tenant': 'acme' });
      assert.deepEqual(got.body.header_names, ['Authorization', 'x-tenant']);
    }
    const asViewer = await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}`, undefined, viewerKey);
    assert.equal(asViewer.status, 200);
    assert.equal('headers' in asViewer.body, false);
    assert.deepEqual(asViewer.body.header_names, ['Authorization', 'x-tenant']);
    const listed = await s.http('GET', '/api/v1/webhooks/endpoints?limit=500', undefined, viewerKey);
    assert.equal(listed.status, 200);
    assert.ok(!JSON.stringify(listed.body).includes('tok_0123456789abcdef'), 'the list shows viewers no value either');
    assert.ok(listed.body.items.some((e: { id: number; header_names: string[] }) => e.id === endpoint.id && e.header_names.includes('Authorization')));

    const event = await postEvent(s, 'header.check', { n: 'sealed' });
    const [request] = await received(rx, '/sealed');
    assert.equal(request.headers.authorization, TOKEN);
    assert.equal(request.headers['x-tenant'], 'acme');
    assert.equal(verify(endpoint.secret, request).type, 'header.check');
    await waitDelivery(s, event.id, endpoint.id, 'succeeded');

    // A PATCH replaces the headers, sealed again.
    const patched = await s.http('PATCH', `/api/v1/webhooks/endpoints/${endpoint.id}`, { headers: { Authorization: 'Bearer rotated' } }, operatorKey);
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.headers, { Authorization: 'Bearer rotated' });
    const after = await storedRow(endpoint.id);
    assert.deepEqual(Object.keys(after.sealed_headers), ['Authorization']);
    assert.equal(box.open(after.sealed_headers.Authorization), 'Bearer rotated');
  });

  test('plain values saved before sealing are still sent and shown, and the API seals them at boot', async () => {
    const legacy = await insertRawEndpoint('/legacy', { legacy_plain_headers: { Authorization: TOKEN, 'x-old': 'kept' } });
    const untouched = await insertRawEndpoint('/legacy-patched', { legacy_plain_headers: { 'x-old': 'stale' } });
    // A PATCH of the headers replaces both stored forms: the stale plain value does not come back.
    const patched = await s.http('PATCH', `/api/v1/webhooks/endpoints/${untouched.id}`, { headers: { 'x-new': 'fresh' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.headers, { 'x-new': 'fresh' });
    assert.deepEqual((await storedRow(untouched.id)).legacy_plain_headers, {});

    // Before the boot step: read in both forms.
    const shown = await s.http('GET', `/api/v1/webhooks/endpoints/${legacy.id}`);
    assert.deepEqual(shown.body.headers, { Authorization: TOKEN, 'x-old': 'kept' });
    assert.equal('headers' in (await s.http('GET', `/api/v1/webhooks/endpoints/${legacy.id}`, undefined, viewerKey)).body, false);
    const first = await postEvent(s, 'header.check', { n: 'legacy-1' });
    const [before] = await received(rx, '/legacy');
    assert.equal(before.headers.authorization, TOKEN);
    await waitDelivery(s, first.id, legacy.id, 'succeeded');

    // A second API booting on the same database seals what is left, and only that.
    const otherSealed = (await storedRow(untouched.id)).sealed_headers;
    const api = await startApiServer({ config: { ...s.config, API_PORT: 0 }, db: s.tdb.db, logger: createLogger('silent') });
    await api.close();
    const stored = await storedRow(legacy.id);
    assert.deepEqual(stored.legacy_plain_headers, {});
    assert.deepEqual(Object.keys(stored.sealed_headers).sort(), ['Authorization', 'x-old']);
    assert.ok(!JSON.stringify(stored).includes('tok_0123456789abcdef'));
    assert.equal(box.open(stored.sealed_headers.Authorization), TOKEN);
    assert.deepEqual((await storedRow(untouched.id)).sealed_headers, otherSealed, 'sealed values are not sealed again');
    const plainLeft = await s.tdb.db.selectFrom('webhook_endpoints').select('id').where(sql<boolean>`legacy_plain_headers <> '{}'::jsonb`).execute();
    assert.deepEqual(plainLeft, []);

    assert.deepEqual((await s.http('GET', `/api/v1/webhooks/endpoints/${legacy.id}`)).body.headers, { Authorization: TOKEN, 'x-old': 'kept' });
    const second = await postEvent(s, 'header.check', { n: 'legacy-2' });
    await waitDelivery(s, second.id, legacy.id, 'succeeded');
    const requests = await received(rx, '/legacy', 2);
    assert.deepEqual(requests.map((r) => [r.headers.authorization, r.headers['x-old']]), [[TOKEN, 'kept'], [TOKEN, 'kept']]);
  });

  test('a stored header Node would refuse makes a logged failed attempt on the retry schedule, not a delivery stuck at 0 attempts', async () => {
    // As saved before the API checked values: U+20AC cannot go in a header.
    const endpoint = await insertRawEndpoint('/unsendable', { sealed_headers: { 'x-price': box.seal('10 €') } });
    const event = await postEvent(s, 'header.check', { n: 'unsendable' });
    await waitFor(async () => (await deliveryOf(s, event.id, endpoint.id))?.attempts === 1, 30_000, 'the attempt logged');
    const attempts = (await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}/attempts`)).body.items;
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0].outcome, 'failed');
    assert.equal(attempts[0].status_code, null);
    assert.match(attempts[0].error, /custom header x-price/);
    assert.ok(!attempts[0].error.includes('10 €'), 'the value is not logged');
    // This endpoint's delivery (the event goes to other endpoints too): pending, its retry due later.
    const delivery = () => s.tdb.db.selectFrom('webhook_deliveries').select(['status', 'next_attempt_at']).where('event_id', '=', event.id).where('endpoint_id', '=', endpoint.id).executeTakeFirstOrThrow();
    await waitFor(async () => ((await delivery()).next_attempt_at?.getTime() ?? 0) > Date.now() + 1_000, 10_000, 'the retry scheduled');
    assert.equal((await delivery()).status, 'pending');
    const row = await s.tdb.db.selectFrom('webhook_endpoints').select(['failure_count', 'failing_since']).where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    assert.equal(row.failure_count, 1, 'the failure counts towards auto-disable');
    assert.equal(rx.received('/unsendable').length, 0);
    await s.tdb.db.deleteFrom('webhook_endpoints').where('id', '=', endpoint.id).execute(); // its retries stop with it
  });

  test('a value sealed with another key is shown as null and fails attempts naming the header', async () => {
    const foreign = new SecretBox(generateEncryptionKey());
    const endpoint = await insertRawEndpoint('/foreign-key', { sealed_headers: { 'x-ok': box.seal('fine'), 'x-foreign': foreign.seal('unreadable') } });
    const got = await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual(got.body.headers, { 'x-ok': 'fine', 'x-foreign': null });
    assert.deepEqual(got.body.header_names, ['x-foreign', 'x-ok']);
    const event = await postEvent(s, 'header.check', { n: 'foreign' });
    await waitFor(async () => (await deliveryOf(s, event.id, endpoint.id))?.attempts === 1, 30_000, 'the attempt logged');
    const [attempt] = (await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}/attempts`)).body.items;
    assert.match(attempt.error, /^cannot open the custom header x-foreign: sealed with another key/);
    assert.equal(rx.received('/foreign-key').length, 0);
    await s.tdb.db.deleteFrom('webhook_endpoints').where('id', '=', endpoint.id).execute(); // its retries stop with it
  });

  test('the OpenAPI document states the header rules', async () => {
    const doc = (await s.http('GET', '/openapi.json', undefined, null)).body;
    for (const name of ['CreateWebhookEndpoint', 'UpdateWebhookEndpoint']) {
      const headers = doc.components.schemas[name].properties.headers;
      assert.equal(headers.maxProperties, 20, name);
      assert.equal(headers.propertyNames.maxLength, 100);
      assert.ok(new RegExp(headers.propertyNames.pattern).test('X-Tenant') && !new RegExp(headers.propertyNames.pattern).test('x bad'));
      assert.equal(headers.additionalProperties.maxLength, 4096);
      const value = new RegExp(headers.additionalProperties.pattern);
      assert.ok(value.test('café\t1') && !value.test('€') && !value.test('a\u0007') && !value.test('\u007f'));
      assert.match(headers.description, /webhook-signature/);
    }
    const shown = doc.components.schemas.WebhookEndpoint;
    assert.ok(shown.required.includes('header_names'));
    assert.ok(!shown.required.includes('headers'));
    assert.match(shown.properties.headers.description, /operator and admin/);
  });
});
