import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeJsonApi } from '../support/fake-json-api';
import { createCredential, createIntegration, finishedRun, records, syncNow } from '../support/integrations';
import { startStack, waitFor, type Stack } from '../support/stack';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';
import { createEndpoint, received, registerType, postEvent, verify, waitDelivery } from '../support/webhooks';

// Smoke subset of the e2e tests on the embedded PGlite database (what `npm start` uses without DATABASE_URL):
// API and worker share one single-connection pool, and a mailing, webhook deliveries and an integration sync still run
// end to end.
let s: Stack;
let rx: TestReceiver;
before(async () => {
  [s, rx] = await Promise.all([startStack({ embedded: true }), startTestReceiver()]);
});
after(async () => {
  await s?.close();
  await rx?.close();
});

test('on PGlite: clients and a filtered mailing through the API, edits, progress and statistics', async () => {
  for (let i = 0; i < 12; i++) {
    const r = await s.http('POST', '/api/v1/clients', { phone: `7977000${String(i).padStart(4, '0')}`, tag: i % 3 === 0 ? 'skip' : 'go', timezone: i % 2 ? 'Asia/Tokyo' : 'Europe/Moscow' });
    assert.equal(r.status, 201);
  }
  assert.equal((await s.http('POST', '/api/v1/clients', { phone: '79770000000', timezone: 'UTC' })).status, 409);
  s.provider.configure({ latencyMs: 20, errorRate: 0.2 });
  const created = await s.http('POST', '/api/v1/mailings', {
    text: 'PGlite', starts_at: new Date(Date.now() + 3_600_000).toISOString(), ends_at: new Date(Date.now() + 7_200_000).toISOString(),
    filter: { tags: ['go'] },
  });
  assert.equal(created.status, 201);
  const moved = await s.http('PATCH', `/api/v1/mailings/${created.body.id}`, { starts_at: new Date(Date.now() - 1000).toISOString(), text: 'PGlite now' });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  await waitFor(async () => (await s.http('GET', `/api/v1/mailings/${created.body.id}`)).body.status === 'completed', 60_000, 'completed');
  const stats = (await s.http('GET', `/api/v1/mailings/${created.body.id}/stats`)).body;
  assert.deepEqual(stats.counts, { pending: 0, sent: 8, failed: 0, expired: 0, cancelled: 0, unknown: 0 });
  const byPhone = s.provider.deliveriesByPhone();
  assert.equal(byPhone.size, 8);
  assert.ok([...byPhone.values()].every((d) => d.length === 1 && d[0].text === 'PGlite now'));
  const overview = await s.http('GET', '/api/v1/stats/mailings');
  assert.equal(overview.body.totals.sent, 8);
});

test('on PGlite: webhook fan-out, a retried delivery, and the mailing events', async () => {
  await registerType(s, 'order.created');
  const endpoint = await createEndpoint(s, rx, '/pglite', { event_types: ['order.*', 'mailing.completed'] });
  rx.script('/pglite', [{ status: 500 }]);
  const event = await postEvent(s, 'order.created', { id: 'p-1' }, 'p-1');
  const delivery = await waitDelivery(s, event.id, endpoint.id, 'succeeded', 30_000);
  assert.equal(delivery.attempts, 2);
  const requests = await received(rx, '/pglite', 2);
  assert.equal(verify(endpoint.secret, requests[1]).type, 'order.created');
  assert.equal((await postEvent(s, 'order.created', { id: 'p-1' }, 'p-1')).duplicate, true);
  const mailing = await s.http('POST', '/api/v1/mailings', {
    text: 'PGlite events', starts_at: new Date(Date.now() - 1000).toISOString(), ends_at: new Date(Date.now() + 3_600_000).toISOString(), filter: { tags: ['go'] },
  });
  assert.equal(mailing.status, 201);
  await waitFor(() => rx.received('/pglite').some((r) => verify(endpoint.secret, r).type === 'mailing.completed'), 60_000, 'mailing.completed');
});

test('on PGlite: an integration syncs incrementally with its credentials sealed', async () => {
  const upstream = await startFakeJsonApi({ items: 23, auth: { header: 'x-api-key', value: 'pglite-key' } });
  try {
    const credential = await createCredential(s, 'api-key', { key: 'pglite-key' }, { header: 'X-API-Key' });
    const integration = await createIntegration(s, {
      provider: 'http-json',
      credential_id: credential.id,
      config: { url: `${upstream.url}/offset`, items_path: 'data', pagination: { type: 'offset', page_size: 10 }, since: { param: 'since', field: 'updated_at' } },
    });
    const first = await finishedRun(s, integration.id, (await syncNow(s, integration.id)).id);
    assert.deepEqual([first.status, first.pages, first.inserted], ['succeeded', 3, 23], first.error ?? '');
    upstream.upsert({ id: 5, name: 'changed' });
    const second = await finishedRun(s, integration.id, (await syncNow(s, integration.id)).id);
    assert.deepEqual([second.status, second.fetched, second.inserted, second.updated], ['succeeded', 1, 0, 1], second.error ?? '');
    assert.equal((await records(s, integration.id)).length, 23);
  } finally {
    await upstream.close();
  }
});
