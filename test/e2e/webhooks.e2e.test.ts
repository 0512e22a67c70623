import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookReceiver, type WebhookEvent } from '../../examples/webhook-receiver/receiver';
import { startStack, waitFor, type Stack } from '../support/stack';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';
import { createEndpoint, postEvent, received, registerType, verify, waitDelivery } from '../support/webhooks';

let s: Stack;
let rx: TestReceiver;
before(async () => {
  // localhost by name too: where it also maps to ::1, the LOCALHOST. test still reaches the receiver.
  [s, rx] = await Promise.all([startStack({ config: { WEBHOOK_ALLOWLIST: '127.0.0.1, localhost' } }), startTestReceiver()]);
  await registerType(s, 'order.created', {
    type: 'object',
    required: ['orderId', 'amount'],
    properties: { orderId: { type: 'string' }, amount: { type: 'number', minimum: 0 } },
  });
  await registerType(s, 'invoice.paid');
});
after(async () => {
  await s?.close();
  await rx?.close();
});

describe('webhooks end to end (HTTP API + Temporal dev server + PostgreSQL + local receiver)', () => {
  test('an event fans out to the enabled endpoints whose filter matches, signed per Standard Webhooks', async () => {
    const exact = await createEndpoint(s, rx, '/fan/exact', { event_types: ['order.created'], headers: { 'x-tenant': 'acme' } });
    const prefix = await createEndpoint(s, rx, '/fan/prefix', { event_types: ['order.*'] });
    const all = await createEndpoint(s, rx, '/fan/all');
    const other = await createEndpoint(s, rx, '/fan/other', { event_types: ['invoice.paid'] });
    const disabled = await createEndpoint(s, rx, '/fan/disabled', { enabled: false });

    const event = await postEvent(s, 'order.created', { orderId: 'o-1', amount: 42.5 });
    assert.equal(event.duplicate, false);
    assert.equal(event.webhook_id, `msg_${event.id}`);
    assert.deepEqual(event.deliveries.map((d) => d.endpoint_id).sort(), [exact.id, prefix.id, all.id].sort());

    for (const [endpoint, path] of [[exact, '/fan/exact'], [prefix, '/fan/prefix'], [all, '/fan/all']] as const) {
      const [request] = await received(rx, path);
      const body = verify(endpoint.secret, request);
      assert.equal(body.type, 'order.created');
      assert.deepEqual(body.data, { orderId: 'o-1', amount: 42.5 });
      assert.equal(request.headers['webhook-id'], `msg_${event.id}`);
      assert.match(request.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
      assert.ok(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
      assert.throws(() => verify(other.secret, request), 'another endpoint secret does not verify');
      const delivery = await waitDelivery(s, event.id, endpoint.id, 'succeeded');
      assert.equal(delivery.attempts, 1);
      assert.equal(delivery.engine, 'dispatcher');
      assert.equal(delivery.workflow_id, null, 'no workflow of its own');
    }
    assert.equal(rx.received('/fan/exact')[0].headers['x-tenant'], 'acme');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rx.received('/fan/other').length, 0);
    assert.equal(rx.received('/fan/disabled').length, 0);
    assert.equal(rx.received('/fan/exact').length, 1);

    // No workflow per delivery: each attempt names the dispatcher run that made it, findable in the Temporal UI.
    const [made] = (await s.http('GET', `/api/v1/webhooks/endpoints/${exact.id}/attempts`)).body.items;
    assert.match(made.workflow_id, /^webhook-dispatcher-\d+-of-\d+$/);
    const description = await s.env.client.workflow.getHandle(made.workflow_id, made.run_id).describe();
    assert.equal(description.status.name, 'RUNNING');
    assert.equal(description.type, 'webhookDispatcherWorkflow');

    // The attempt log, per endpoint and per event.
    const attempts = await s.http('GET', `/api/v1/webhooks/endpoints/${exact.id}/attempts?outcome=succeeded`);
    assert.equal(attempts.status, 200);
    assert.equal(attempts.body.items.length, 1);
    assert.equal(attempts.body.items[0].status_code, 200);
    assert.equal(attempts.body.items[0].event_type, 'order.created');
    assert.equal(attempts.body.items[0].response_body, 'ok');
    const byEvent = await s.http('GET', `/api/v1/webhooks/events/${event.id}/attempts`);
    assert.equal(byEvent.body.items.length, 3);
    const none = await s.http('GET', `/api/v1/webhooks/endpoints/${exact.id}/attempts?outcome=failed`);
    assert.equal(none.body.items.length, 0);
  });

  test('the same idempotency key within 24 h returns the first event and fans out once', async () => {
    const endpoint = await createEndpoint(s, rx, '/idem', { event_types: ['invoice.paid'] });
    const first = await postEvent(s, 'invoice.paid', { n: 1 }, 'invoice-77');
    const again = await s.http('POST', '/api/v1/webhooks/events', { type: 'invoice.paid', payload: { n: 2 } }, undefined);
    assert.equal(again.status, 202);
    const replay = await fetch(`${s.api.url}/api/v1/webhooks/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-key-0123456789', 'content-type': 'application/json', 'idempotency-key': 'invoice-77' },
      body: JSON.stringify({ type: 'invoice.paid', payload: { n: 3 } }),
    });
    assert.equal(replay.status, 202);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    const replayed = (await replay.json()) as { id: number; duplicate: boolean; payload: unknown };
    assert.equal(replayed.id, first.id);
    assert.equal(replayed.duplicate, true);
    assert.deepEqual(replayed.payload, { n: 1 });
    await waitDelivery(s, first.id, endpoint.id, 'succeeded');
    await received(rx, '/idem', 2); // the first event and the keyless one
    await new Promise((r) => setTimeout(r, 500));
    const ids = rx.received('/idem').map((r) => r.headers['webhook-id']);
    assert.deepEqual(ids.sort(), [`msg_${first.id}`, `msg_${again.body.id}`].sort());
  });

  test('a rotated secret signs beside the new one; both verify with standardwebhooks', async () => {
    const endpoint = await createEndpoint(s, rx, '/rotate', { event_types: ['invoice.paid'] });
    const rotated = await s.http('POST', `/api/v1/webhooks/endpoints/${endpoint.id}/secret/rotate`, {});
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.secret, endpoint.secret);
    assert.ok(Date.parse(rotated.body.previous_secrets_expire_at) > Date.now() + 23 * 3_600_000);
    await postEvent(s, 'invoice.paid', { n: 'rotation' });
    const [request] = await received(rx, '/rotate');
    assert.equal(request.headers['webhook-signature'].split(' ').length, 2);
    assert.equal(verify(rotated.body.secret, request).type, 'invoice.paid');
    assert.equal(verify(endpoint.secret, request).type, 'invoice.paid');
  });

  test('rotation keeps at most 10 old secrets signing', async () => {
    const endpoint = await createEndpoint(s, rx, '/rotate-many', { event_types: ['invoice.paid'] });
    let latest = endpoint.secret;
    for (let i = 0; i < 12; i++) latest = (await s.http('POST', `/api/v1/webhooks/endpoints/${endpoint.id}/secret/rotate`, {})).body.secret;
    await postEvent(s, 'invoice.paid', { n: 'many' });
    const [request] = await received(rx, '/rotate-many');
    assert.equal(request.headers['webhook-signature'].split(' ').length, 11, 'the current secret and 10 old ones');
    assert.equal(verify(latest, request).type, 'invoice.paid');
    assert.throws(() => verify(endpoint.secret, request), 'the oldest secret no longer signs');
  });

  test('the example receiver (examples/webhook-receiver) accepts Relay deliveries and dedupes a resend', async () => {
    const secret = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;
    const events: WebhookEvent[] = [];
    const answers: number[] = [];
    const handler = createWebhookReceiver({ secrets: [secret], onEvent: (e) => void events.push(e) });
    const server = http.createServer((req, res) => {
      res.on('finish', () => answers.push(res.statusCode));
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const r = await s.http('POST', '/api/v1/webhooks/endpoints', { url, event_types: ['invoice.paid'], secret });
      assert.equal(r.status, 201);
      const event = await postEvent(s, 'invoice.paid', { n: 'example' });
      const delivery = await waitDelivery(s, event.id, r.body.id, 'succeeded');
      assert.equal(events.length, 1);
      assert.deepEqual([events[0].id, events[0].type, events[0].data], [`msg_${event.id}`, 'invoice.paid', { n: 'example' }]);
      assert.equal((await s.http('POST', `/api/v1/webhooks/deliveries/${delivery.id}/resend`)).status, 202);
      await waitFor(() => answers.length === 2, 30_000, 'the resend answered');
      assert.deepEqual(answers, [204, 200], 'the resend is recognised as a duplicate');
      assert.equal(events.length, 1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('secrets are stored encrypted and never returned after creation', async () => {
    const endpoint = await createEndpoint(s, rx, '/secret', { secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` });
    assert.equal(endpoint.secret, `whsec_${Buffer.alloc(32, 1).toString('base64')}`);
    const got = await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}`);
    assert.equal(got.status, 200);
    assert.equal('secret' in got.body, false);
    assert.ok(!JSON.stringify((await s.http('GET', '/api/v1/webhooks/endpoints?limit=500')).body).includes('whsec_'));
    const stored = await s.tdb.db.selectFrom('webhook_endpoint_secrets').select('secret_sealed').where('endpoint_id', '=', endpoint.id).execute();
    assert.equal(stored.length, 1);
    assert.ok(!stored[0].secret_sealed.includes(endpoint.secret.slice(6)));
    assert.match(stored[0].secret_sealed, /^v1\.[0-9a-f]{8}\./);
  });

  test('bad input is a 400 problem naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ type: 'nope.never', payload: {} }, 'body.type'],
      [{ type: 'mailing.started', payload: {} }, 'body.type'],
      [{ type: 'order.created', payload: { orderId: 'x' } }, 'body.payload.amount'],
      [{ type: 'order.created', payload: { orderId: 'x', amount: -1 } }, 'body.payload.amount'],
      [{ type: 'Bad Type', payload: {} }, 'body.type'],
    ];
    for (const [body, path] of cases) {
      const r = await s.http('POST', '/api/v1/webhooks/events', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.contentType?.startsWith('application/problem+json'), true);
      assert.ok(r.body.errors.some((e: { path: string }) => e.path === path), `${path} in ${JSON.stringify(r.body.errors)}`);
    }
    const endpointCases: [unknown, string][] = [
      [{ url: 'ftp://example.com/' }, 'body.url'],
      [{ url: 'https://example.com/', timeout_ms: 60_000 }, 'body.timeout_ms'],
      [{ url: 'https://example.com/', headers: { 'webhook-id': 'x' } }, 'body.headers.webhook-id'],
      [{ url: 'https://example.com/', secret: 'not-a-secret' }, 'body.secret'],
      [{ url: 'https://example.com/', event_types: ['Order Created'] }, 'body.event_types.0'],
    ];
    for (const [body, path] of endpointCases) {
      const r = await s.http('POST', '/api/v1/webhooks/endpoints', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.ok(r.body.errors.some((e: { path: string }) => e.path === path), `${path} in ${JSON.stringify(r.body.errors)}`);
    }
    const schema = await s.http('POST', '/api/v1/webhooks/event-types', { name: 'bad.schema', schema: { type: 'nonsense' } });
    assert.equal(schema.status, 400);
    assert.equal(schema.body.errors[0].path, 'body.schema');
    const reserved = await s.http('POST', '/api/v1/webhooks/event-types', { name: 'mailing.started' });
    assert.equal(reserved.status, 409);
    const types = await s.http('GET', '/api/v1/webhooks/event-types');
    const names = types.body.items.map((t: { name: string }) => t.name);
    for (const name of ['mailing.started', 'mailing.completed', 'mailing.cancelled', 'mailing.expired', 'message.failed', 'order.created']) {
      assert.ok(names.includes(name), name);
    }
    assert.equal(types.body.items.find((t: { name: string }) => t.name === 'message.failed').schema.type, 'object');
  });

  test('URLs resolving to private, loopback, link-local or metadata addresses are refused unless allowlisted', async () => {
    for (const url of ['http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data', 'http://127.0.0.2:8080/', 'http://[::1]/', 'http://192.168.1.1/', 'http://metadata.google.internal/']) {
      const r = await s.http('POST', '/api/v1/webhooks/endpoints', { url });
      assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.errors[0].path, 'body.url');
    }
    // At send time too, after DNS: a row that slipped past the API (or a name that now resolves elsewhere) is refused.
    const row = await s.tdb.db
      .insertInto('webhook_endpoints')
      .values({ url: 'http://10.1.2.3:9/hook', event_types: ['invoice.paid'] })
      .returning('id')
      .executeTakeFirstOrThrow();
    await s.tdb.db.insertInto('webhook_endpoint_secrets').values({ endpoint_id: row.id, secret_sealed: (await s.tdb.db.selectFrom('webhook_endpoint_secrets').select('secret_sealed').executeTakeFirstOrThrow()).secret_sealed }).execute();
    const event = await postEvent(s, 'invoice.paid', { n: 'ssrf' });
    await waitFor(async () => (await s.http('GET', `/api/v1/webhooks/endpoints/${row.id}/attempts`)).body.items.length > 0, 30_000, 'refused attempt');
    const attempt = (await s.http('GET', `/api/v1/webhooks/endpoints/${row.id}/attempts`)).body.items[0];
    assert.equal(attempt.event_id, event.id);
    assert.equal(attempt.status_code, null);
    assert.match(attempt.error, /refused: .*private/);
    await s.tdb.db.deleteFrom('webhook_endpoints').where('id', '=', row.id).execute(); // its retries stop with it
  });

  test('a host spelled LOCALHOST. is checked at create time and connected at send time under the same name', async () => {
    const port = new URL(rx.url).port;
    const r = await s.http('POST', '/api/v1/webhooks/endpoints', { url: `http://LOCALHOST.:${port}/trailing-dot`, event_types: ['invoice.paid'] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const event = await postEvent(s, 'invoice.paid', { n: 'trailing dot' });
    const delivery = await waitDelivery(s, event.id, r.body.id, 'succeeded');
    assert.equal(delivery.attempts, 1);
    assert.equal(verify(r.body.secret, (await received(rx, '/trailing-dot'))[0]).type, 'invoice.paid');
  });
});
