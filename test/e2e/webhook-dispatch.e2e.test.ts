import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, waitFor, type Stack } from '../support/stack';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';
import { createEndpoint, postEvent, registerType } from '../support/webhooks';

// The dispatchers: deliveries claimed from PostgreSQL in batches, retries as due times, a breaker per endpoint, FIFO
// endpoints, and a backlog that refuses publishers when full. A short retry schedule keeps the test quick.
let s: Stack;
let rx: TestReceiver;
before(async () => {
  rx = await startTestReceiver();
  s = await startStack({
    config: { WEBHOOK_RETRY_DELAYS_MS: '400,400,400,400,400', WEBHOOK_BREAKER_FAILURES: '3', WEBHOOK_DISPATCH_POLL_MS: '20', WEBHOOK_DISPATCHERS: '2' },
  });
  await registerType(s, 'dispatch.test', { type: 'object' });
});
after(async () => {
  await s?.close();
  await rx?.close();
});

const eventIdOf = (body: string): number => (JSON.parse(body) as { data: { n: number } }).data.n;

async function deliveriesOf(endpointId: number) {
  return s.tdb.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('id').execute();
}

async function webhookWorkflows(): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of s.env.client.workflow.list({ query: `TaskQueue = '${s.config.WEBHOOK_TASK_QUEUE}'` })) ids.push(wf.workflowId);
  return ids;
}

describe('webhook dispatchers', () => {
  test('a burst is delivered by the dispatchers alone: no workflow per delivery, a few history events', async () => {
    const a = await createEndpoint(s, rx, '/burst-a', { event_types: ['dispatch.test'] });
    const b = await createEndpoint(s, rx, '/burst-b', { event_types: ['dispatch.test'] });
    for (let n = 0; n < 200; n++) await postEvent(s, 'dispatch.test', { n });
    await waitFor(() => rx.received('/burst-a').length >= 200 && rx.received('/burst-b').length >= 200, 60_000, '400 deliveries');
    // Outcomes are written in groups (every 50 ms): wait for both endpoints' last ones.
    const written = async (id: number) => (await deliveriesOf(id)).filter((d) => d.status === 'succeeded').length === 200;
    await waitFor(async () => (await written(a.id)) && (await written(b.id)), 10_000, 'all written');
    const workflows = await webhookWorkflows();
    assert.ok(workflows.every((id) => /^webhook-dispatcher-\d-of-2$|^webhook-recover-/.test(id)), workflows.join(', '));
    let events = 0;
    for (const id of workflows.filter((w) => w.startsWith('webhook-dispatcher'))) {
      events += (await s.env.client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0;
    }
    assert.ok(events <= 40, `${events} history events for 400 deliveries`);
  });

  test('a dead endpoint trips its breaker: probes only, the healthy one unaffected, then everything in schedule order', async () => {
    rx.script('/dead', [], { status: 503, body: 'down' });
    const dead = await createEndpoint(s, rx, '/dead', { event_types: ['dispatch.breaker'] });
    const healthy = await createEndpoint(s, rx, '/healthy', { event_types: ['dispatch.breaker'] });
    await registerType(s, 'dispatch.breaker', { type: 'object' });
    for (let n = 0; n < 60; n++) await postEvent(s, 'dispatch.breaker', { n });
    await waitFor(() => rx.received('/healthy').length >= 60, 30_000, 'the healthy endpoint got everything');
    await waitFor(async () => (await s.http('GET', `/api/v1/webhooks/endpoints/${dead.id}`)).body.health.breaker.state === 'open', 10_000, 'breaker open');
    const tried = rx.received('/dead').length;
    // Open: one probe at a time, at growing intervals (5 s first): a handful of requests, not 60 x 6 attempts.
    await new Promise((r) => setTimeout(r, 6_000));
    const during = rx.received('/dead').length - tried;
    assert.ok(during <= 2, `${during} requests while open`);
    assert.ok(tried <= 3 + 2 * s.config.WEBHOOK_DISPATCH_PER_ENDPOINT, `${tried} requests before it opened`);
    assert.ok((await deliveriesOf(dead.id)).every((d) => d.status === 'pending' && d.attempts <= 2), 'attempts kept, not burnt');

    // Back: the next probe succeeds, the breaker closes and the waiting deliveries go out, oldest due first.
    rx.script('/dead', [], { status: 200, body: 'ok' });
    const before = rx.received('/dead').length;
    await waitFor(async () => (await deliveriesOf(dead.id)).every((d) => d.status === 'succeeded'), 60_000, 'recovered');
    const after = rx.received('/dead').slice(before).map((r) => eventIdOf(r.body));
    assert.equal(new Set(after).size, 60, 'every event once the endpoint answers');
    const dueOrder = (await deliveriesOf(dead.id)).map((d) => d.id);
    assert.ok(dueOrder.length === 60);
    assert.equal((await s.http('GET', `/api/v1/webhooks/endpoints/${dead.id}`)).body.health.breaker.state, 'closed');
    assert.ok(healthy.id > 0);
  });

  test('fifo endpoints get events in publish order, one at a time; a failing head holds the rest back', async () => {
    await registerType(s, 'dispatch.fifo', { type: 'object' });
    rx.script('/fifo', [{ status: 500, body: 'not yet' }, { status: 500, body: 'not yet' }]);
    const fifo = await createEndpoint(s, rx, '/fifo', { event_types: ['dispatch.fifo'], ordering: 'fifo' });
    assert.equal(fifo.id > 0, true);
    for (let n = 1; n <= 8; n++) await postEvent(s, 'dispatch.fifo', { n });
    await waitFor(async () => (await deliveriesOf(fifo.id)).every((d) => d.status === 'succeeded'), 60_000, 'fifo delivered');
    const order = rx.received('/fifo').map((r) => eventIdOf(r.body));
    assert.deepEqual(order, [1, 1, 1, 2, 3, 4, 5, 6, 7, 8], 'the head was retried until it succeeded, then the rest in order');
    // One in flight at a time: each request arrived after the previous one was answered.
    const times = rx.received('/fifo').map((r) => r.at);
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]));
    const got = await s.http('GET', `/api/v1/webhooks/endpoints/${fifo.id}`);
    assert.equal(got.body.ordering, 'fifo');
  });

  test('the backlog: depth and oldest age through the API, and 429 with Retry-After once it passes the limit', async () => {
    const small = await startStack({ withWorker: false, config: { WEBHOOK_MAX_BACKLOG: '5' } });
    try {
      const created = await small.http('POST', '/api/v1/webhooks/event-types', { name: 'dispatch.backlog', schema: {} });
      assert.equal(created.status, 201);
      const endpoint = await small.http('POST', '/api/v1/webhooks/endpoints', { url: `${rx.url}/backlog` });
      assert.equal(endpoint.status, 201);
      let refused: { status: number; body: { detail: string } } | null = null;
      for (let n = 0; n < 20 && !refused; n++) {
        const r = await small.http('POST', '/api/v1/webhooks/events', { type: 'dispatch.backlog', payload: { n } });
        if (r.status === 429) refused = r;
        else assert.equal(r.status, 202);
        await new Promise((resolve) => setTimeout(resolve, 1_100)); // the depth is counted at most once a second
      }
      assert.ok(refused, 'refused once the backlog passed 5');
      assert.match(refused.body.detail, /More than 5 deliveries/);
      const backlog = await small.http('GET', '/api/v1/webhooks/backlog');
      assert.equal(backlog.status, 200);
      assert.ok(backlog.body.pending >= 5);
      assert.equal(backlog.body.max_backlog, 5);
      assert.ok(backlog.body.oldest_undelivered_age_ms > 1_000);
      const retryAfter = await fetch(`${small.api.url}/api/v1/webhooks/events`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-admin-key-0123456789', 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'dispatch.backlog', payload: {} }),
      });
      assert.equal(retryAfter.status, 429);
      assert.equal(retryAfter.headers.get('retry-after'), '5');
    } finally {
      await small.close();
    }
  });
});
