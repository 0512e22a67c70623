import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { google } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { startFakeProvider, type FakeProvider } from '../../fake-provider/fake-provider';
import type { Config } from '../../lib/config';
import { SecretBox } from '../../lib/crypto/secret-box';
import { insertEndpoint, findEndpoint, type EndpointFields } from '../../lib/db/webhook-endpoint.repository';
import { findDelivery } from '../../lib/db/webhook-delivery.repository';
import type { WebhookEndpointRow, WebhookEventRow } from '../../lib/db/webhook-tables';
import { createLogger } from '../../lib/logger';
import { webhookOptionsFromConfig } from '../../lib/temporal/webhook-workflows';
import { createEventPublisher, type EventPublisher } from '../../lib/webhooks/publisher';
import { RETRY_DELAYS_MS } from '../../lib/webhooks/retry-schedule';
import { generateSecret } from '../../lib/webhooks/signing';
import { deliveryWorkflowId, type DeliveryResult } from '../../workflows/webhook.contract';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { hours, minutes, testConfig } from '../support/fixtures';
import { readHistory, replay, replayAndRecord, type History } from '../support/histories';
import { startTimeSkippingWorker, timeSkippingEnv } from '../support/temporal';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';


let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let provider: FakeProvider;
let receiver: TestReceiver;
let config: Config;
let worker: { close(): Promise<void> };
let publisher: EventPublisher;
let box: SecretBox;

before(async () => {
  [env, tdb, provider, receiver] = await Promise.all([
    timeSkippingEnv(),
    createTestDatabase(),
    startFakeProvider({ token: 'test-token-123456' }),
    startTestReceiver(),
  ]);
  // The time-skipping server has none of Relay's search attributes registered: start workflows without them.
  config = testConfig({ PROVIDER_URL: provider.url, PROVIDER_TOKEN: 'test-token-123456', TEMPORAL_SEARCH_ATTRIBUTES: 'false' });
  const logger = createLogger(config.LOG_LEVEL);
  box = new SecretBox(config.ENCRYPTION_KEY!);
  publisher = createEventPublisher({ db: tdb.db, client: env.client, options: webhookOptionsFromConfig(config), logger });
  worker = await startTimeSkippingWorker(env, { config, db: tdb.db, logger });
});

after(async () => {
  await worker?.close();
  await env?.teardown();
  await receiver?.close();
  await provider?.close();
  await tdb?.drop();
});

beforeEach(async () => {
  // Every test awaits the workflows it starts, so nothing still runs against these rows.
  await tdb.db.deleteFrom('webhook_events').execute();
  await tdb.db.deleteFrom('webhook_endpoints').execute();
});

let pathSeq = 0;
/** A fresh receiver path per endpoint, so scripts and request logs never mix between tests. */
const freshPath = (name: string): string => `/${name}-${++pathSeq}`;

async function createEndpoint(urlPath: string, fields: Partial<EndpointFields> = {}): Promise<WebhookEndpointRow> {
  return insertEndpoint(
    tdb.db,
    {
      url: `${receiver.url}${urlPath}`,
      description: '',
      event_types: [],
      sealed_headers: {},
      timeout_ms: 5_000,
      rate_limit_per_s: null,
      ordering: 'none',
      enabled: true,
      ...fields,
    },
    box.seal(generateSecret()),
  );
}

/**
 * Publishes an event to `endpoint` alone, carried by a workflow of its own (the engine of endpoint tests and of rows
 * from before the dispatchers; the dispatchers are tested in test/e2e/webhook-dispatch.e2e.test.ts), and returns it
 * with the handle of that delivery workflow.
 */
async function publishTo(endpoint: WebhookEndpointRow, type = 'order.created') {
  const recorded = await publisher.publish({ type, payload: { orderId: 42 }, source: 'api', onlyEndpointId: endpoint.id });
  assert.equal(recorded.created, true);
  const delivery = recorded.deliveries.find((d) => d.endpoint_id === endpoint.id);
  assert.ok(delivery, 'a delivery for the endpoint');
  assert.notEqual((await findDelivery(tdb.db, delivery.id))?.dispatched_at, null, 'the publisher started its workflow');
  const handle: WorkflowHandle = env.client.workflow.getHandle(deliveryWorkflowId(recorded.event.id, endpoint.id));
  return { event: recorded.event, deliveryId: delivery.id, handle };
}

const result = (handle: WorkflowHandle): Promise<DeliveryResult> => handle.result() as Promise<DeliveryResult>;

function durationMs(d: google.protobuf.IDuration | null | undefined): number {
  assert.ok(d, 'a duration');
  const s = d.seconds ?? 0;
  const seconds = typeof s === 'number' ? s : s.toNumber();
  return seconds * 1000 + Math.round((d.nanos ?? 0) / 1e6);
}

/** The startToFireTimeout of every timer the run started, in ms, in order. */
async function timerDelays(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => durationMs(e.timerStartedEventAttributes!.startToFireTimeout));
}

async function attemptRows(deliveryId: number) {
  return tdb.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
}

async function eventsOfType(type: string): Promise<WebhookEventRow[]> {
  return tdb.db.selectFrom('webhook_events').selectAll().where('type', '=', type).orderBy('id').execute();
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 4_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** History of the full-schedule run, replayed by the last describe block. */
let exhaustedHistory: History | undefined;

describe('webhook delivery workflow (time-skipping)', () => {
  test('an endpoint that always answers 500 gets the full schedule: 8 attempts, 7 jittered timers, then exhausted', async () => {
    const failingPath = freshPath('always-500');
    const observerPath = freshPath('observer');
    receiver.script(failingPath, [], { status: 500, body: 'boom' });
    const failing = await createEndpoint(failingPath); // every type, the operational ones included
    const observer = await createEndpoint(observerPath, { event_types: ['message.attempt.exhausted'] });
    const { event, deliveryId, handle } = await publishTo(failing);

    const res = await result(handle);
    assert.equal(res.status, 'failed');
    assert.equal(res.attempts, 8);
    assert.equal(res.deliveryId, deliveryId);
    assert.equal(res.last?.statusCode, 500);
    assert.equal(receiver.received(failingPath).length, 8);

    const attempts = await attemptRows(deliveryId);
    assert.deepEqual(attempts.map((a) => a.attempt), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(attempts.map((a) => a.status_code), Array(8).fill(500));
    assert.deepEqual(attempts.map((a) => a.outcome), Array(8).fill('failed'));
    assert.deepEqual(attempts.map((a) => a.trigger), Array(8).fill('scheduled'));
    assert.deepEqual(attempts.map((a) => a.error), Array(8).fill('HTTP 500'));

    const delivery = await findDelivery(tdb.db, deliveryId);
    assert.equal(delivery?.status, 'failed');
    assert.equal(delivery?.attempts, 8);
    assert.equal(delivery?.last_status_code, 500);
    assert.equal(delivery?.next_attempt_at, null);
    assert.equal(delivery?.delivered_at, null);

    const timers = await timerDelays(handle);
    assert.deepEqual(RETRY_DELAYS_MS, [5_000, minutes(5), minutes(30), hours(2), hours(5), hours(10), hours(10)]);
    assert.equal(timers.length, 7);
    timers.forEach((ms, i) => {
      const nominal = RETRY_DELAYS_MS[i];
      assert.ok(ms >= nominal * 0.8 && ms <= nominal * 1.2, `timer ${i + 1}: ${ms} ms within ±20% of ${nominal} ms`);
    });
    assert.notDeepEqual(timers, RETRY_DELAYS_MS, 'jittered, not the nominal delays');

    // Subscribers hear message.attempt.exhausted, but never the failing endpoint itself.
    const exhausted = (await eventsOfType('message.attempt.exhausted')).filter(
      (e) => (e.payload as { deliveryId?: number } | null)?.deliveryId === deliveryId,
    );
    assert.equal(exhausted.length, 1);
    assert.equal(exhausted[0].source, 'system');
    assert.deepEqual(exhausted[0].payload, {
      deliveryId,
      eventId: event.id,
      eventType: 'order.created',
      endpointId: failing.id,
      attempts: 8,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
    });
    const fanOut = await tdb.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', exhausted[0].id).execute();
    assert.deepEqual(fanOut.map((d) => d.endpoint_id), [observer.id], 'delivered to the observer, not to the failing endpoint');
    // The notice is an ordinary delivery in the outbox, for the dispatchers to carry (the time-skipping server has no
    // visibility API to start them here: test/e2e/webhook-dispatch.e2e.test.ts shows them delivering).
    assert.deepEqual(fanOut.map((d) => [d.engine, d.status]), [['dispatcher', 'pending']]);
    assert.equal(receiver.received(failingPath).length, 8, 'the failing endpoint got nothing more');

    exhaustedHistory = await handle.fetchHistory();
  });

  test('a request that cannot be built or sent fails each attempt on the schedule instead of retrying one activity forever', async () => {
    // Rows saved before the API checked them, or written behind its back: a header value Node refuses (above U+00FF),
    // a header name it refuses, a signing secret that is not whsec_, a URL that no longer parses.
    const badValue = await createEndpoint(freshPath('bad-header-value'), { sealed_headers: { 'x-price': box.seal('10 €') } });
    const badName = await createEndpoint(freshPath('bad-header-name'), { sealed_headers: { 'x bad': box.seal('v') } });
    const badSecretPath = freshPath('bad-secret');
    const badSecret = await insertEndpoint(
      tdb.db,
      { url: `${receiver.url}${badSecretPath}`, description: '', event_types: [], sealed_headers: {}, timeout_ms: 5_000, rate_limit_per_s: null, ordering: 'none', enabled: true },
      box.seal('not-a-webhook-secret'),
    );
    const badUrl = await createEndpoint(freshPath('bad-url'));
    await sql`update webhook_endpoints set url = 'http://[::1' where id = ${badUrl.id}`.execute(tdb.db);

    const runs = await Promise.all([badValue, badName, badSecret, badUrl].map(async (endpoint) => ({ endpoint, ...(await publishTo(endpoint)) })));
    for (const { endpoint, deliveryId, handle } of runs) {
      const res = await result(handle);
      assert.equal(res.status, 'failed', endpoint.url);
      assert.equal(res.attempts, 8, endpoint.url);
      assert.equal(res.last?.statusCode, null);
      assert.equal((await timerDelays(handle)).length, 7, 'the retry schedule applies');
      const attempts = await attemptRows(deliveryId);
      assert.deepEqual(attempts.map((a) => a.outcome), Array(8).fill('failed'));
      assert.equal((await findDelivery(tdb.db, deliveryId))?.status, 'failed');
      assert.ok((await findEndpoint(tdb.db, endpoint.id))!.failure_count >= 8, 'failures count towards auto-disable');
      // The activity never failed: every attempt is one activity task, completed.
      const history = await handle.fetchHistory();
      assert.equal((history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes).length, 0);
    }
    const [value, name, secret, url] = await Promise.all(runs.map(async (r) => (await attemptRows(r.deliveryId))[0].error ?? ''));
    assert.match(value, /^not sent: the value of the custom header x-price /);
    assert.ok(!value.includes('10 €'), 'the value itself is not logged');
    assert.match(name, /^not sent: the custom header name "x bad" /);
    assert.match(secret, /^could not build the request: invalid webhook secret/);
    assert.match(url, /^not sent: .*Invalid URL/);
    assert.equal(receiver.received(badSecretPath).length, 0);
  });

  test('a rate-limit slot far ahead is waited out by a durable timer, then sent once without re-reserving', async () => {
    const p = freshPath('rate-limited');
    const endpoint = await createEndpoint(p, { rate_limit_per_s: 1 });
    // Pretend an hour of slots is already taken.
    await sql`update webhook_endpoints set rate_next_at = now() + interval '1 hour' where id = ${endpoint.id}`.execute(tdb.db);
    const { deliveryId, handle } = await publishTo(endpoint);
    const res = await result(handle);
    assert.equal(res.status, 'succeeded');
    assert.equal(res.attempts, 1);
    const timers = await timerDelays(handle);
    assert.equal(timers.length, 1, 'one wait: a second reservation would have queued another hour');
    const [timer] = timers;
    assert.ok(timer >= 3_590_000 && timer <= 3_600_000, `waited ${timer} ms for the reserved slot`);
    assert.equal(receiver.received(p).length, 1);
    assert.equal((await attemptRows(deliveryId)).length, 1);
  });

  test('success after two failures: 3 attempts, 2 timers, delivered, the failure streak reset', async () => {
    const p = freshPath('flaky');
    receiver.script(p, [{ status: 500 }, { status: 500 }, { status: 200, body: 'ok' }]);
    const endpoint = await createEndpoint(p);
    const { deliveryId, handle } = await publishTo(endpoint);

    const res = await result(handle);
    assert.equal(res.status, 'succeeded');
    assert.equal(res.attempts, 3);
    assert.equal(res.last?.statusCode, 200);
    assert.equal(receiver.received(p).length, 3);

    const timers = await timerDelays(handle);
    assert.equal(timers.length, 2);
    assert.ok(timers[0] >= 4_000 && timers[0] <= 6_000, `first timer ${timers[0]}`);
    assert.ok(timers[1] >= minutes(4) && timers[1] <= minutes(6), `second timer ${timers[1]}`);

    assert.deepEqual((await attemptRows(deliveryId)).map((a) => [a.attempt, a.status_code, a.outcome]), [
      [1, 500, 'failed'],
      [2, 500, 'failed'],
      [3, 200, 'succeeded'],
    ]);
    const delivery = await findDelivery(tdb.db, deliveryId);
    assert.equal(delivery?.status, 'succeeded');
    assert.equal(delivery?.attempts, 3);
    assert.equal(delivery?.last_status_code, 200);
    assert.ok(delivery?.delivered_at instanceof Date, 'delivered_at set');
    const row = await findEndpoint(tdb.db, endpoint.id);
    assert.equal(row?.failure_count, 0);
    assert.equal(row?.failing_since, null);
    assert.ok(row?.last_success_at instanceof Date);
    assert.equal(row?.enabled, true);
  });

  test('Retry-After of a 503 inside [scheduled, 2x scheduled] is waited exactly', async () => {
    const p = freshPath('retry-after');
    receiver.script(p, [{ status: 500 }, { status: 503, headers: { 'Retry-After': '420' } }, { status: 200 }]);
    const endpoint = await createEndpoint(p);
    const { deliveryId, handle } = await publishTo(endpoint);

    const res = await result(handle);
    assert.equal(res.status, 'succeeded');
    assert.equal(res.attempts, 3);
    const timers = await timerDelays(handle);
    assert.equal(timers.length, 2);
    assert.ok(timers[0] >= 4_000 && timers[0] <= 6_000, `first timer ${timers[0]}`);
    // Scheduled is 5 min ±20% (4..6 min), so 7 min lies within [scheduled, 2x scheduled]: taken as is.
    assert.equal(timers[1], 420_000);
    assert.deepEqual((await attemptRows(deliveryId)).map((a) => a.status_code), [500, 503, 200]);
  });

  test('a 429 without Retry-After waits at least 60 s where the schedule says 5 s', async () => {
    const p = freshPath('throttling');
    receiver.script(p, [{ status: 429 }, { status: 200 }]);
    const endpoint = await createEndpoint(p);
    const { deliveryId, handle } = await publishTo(endpoint);

    const res = await result(handle);
    assert.equal(res.status, 'succeeded');
    assert.equal(res.attempts, 2);
    assert.deepEqual(await timerDelays(handle), [60_000]);
    assert.deepEqual((await attemptRows(deliveryId)).map((a) => a.status_code), [429, 200]);
  });

  test('a timed-out attempt is logged without status and retried no sooner than 60 s', async () => {
    const p = freshPath('slow');
    receiver.script(p, [{ status: 200, delayMs: 3_000 }, { status: 200 }]);
    const endpoint = await createEndpoint(p, { timeout_ms: 1_000 });
    const { deliveryId, handle } = await publishTo(endpoint);

    const res = await result(handle);
    assert.equal(res.status, 'succeeded');
    assert.equal(res.attempts, 2);
    assert.deepEqual(await timerDelays(handle), [60_000]);
    const [first, second] = await attemptRows(deliveryId);
    assert.equal(first.status_code, null);
    assert.equal(first.outcome, 'failed');
    assert.equal(first.error, 'no answer within 1000 ms');
    assert.ok(first.duration_ms >= 1_000 && first.duration_ms < 3_000, `duration ${first.duration_ms}`);
    assert.equal(second.status_code, 200);
    assert.equal(receiver.received(p).length, 2);
  });

  test('410 Gone disables the endpoint at once and fails the delivery after 1 attempt', async () => {
    const p = freshPath('gone');
    receiver.script(p, [], { status: 410 });
    const endpoint = await createEndpoint(p);
    const { deliveryId, handle } = await publishTo(endpoint);

    const res = await result(handle);
    assert.equal(res.status, 'failed');
    assert.equal(res.attempts, 1);
    assert.equal(res.last?.outcome, 'disabled');
    assert.equal(res.last?.statusCode, 410);
    assert.deepEqual(await timerDelays(handle), []);
    assert.equal(receiver.received(p).length, 1);

    const row = await findEndpoint(tdb.db, endpoint.id);
    assert.equal(row?.enabled, false);
    assert.equal(row?.disabled_reason, 'the endpoint answered 410 Gone');
    assert.ok(row?.disabled_at instanceof Date);
    const delivery = await findDelivery(tdb.db, deliveryId);
    assert.equal(delivery?.status, 'failed');
    assert.equal(delivery?.attempts, 1);

    const disabled = await eventsOfType('endpoint.disabled');
    assert.equal(disabled.length, 1);
    assert.deepEqual(
      { ...(disabled[0].payload as Record<string, unknown>), disabledAt: undefined },
      { endpointId: endpoint.id, url: endpoint.url, reason: 'the endpoint answered 410 Gone', disabledAt: undefined },
    );
    const fanOut = await tdb.db.selectFrom('webhook_deliveries').select('endpoint_id').where('event_id', '=', disabled[0].id).execute();
    assert.deepEqual(fanOut, [], 'the disabled endpoint does not hear about itself');
    // The delivery's attempts are over too: message.attempt.exhausted, once.
    const exhausted = (await eventsOfType('message.attempt.exhausted')).filter((e) => (e.payload as { deliveryId: number }).deliveryId === deliveryId);
    assert.equal(exhausted.length, 1);
    assert.equal((exhausted[0].payload as { lastStatusCode: number }).lastStatusCode, 410);
  });

  test('an endpoint failing for over 5 days (>= 5 failures) is disabled by its next failure', async () => {
    const p = freshPath('long-failing');
    receiver.script(p, [], { status: 500 });
    const endpoint = await createEndpoint(p);
    const since = await setStreak(endpoint.id, '6 days', 10);
    const { deliveryId, handle } = await publishTo(endpoint);

    const res = await result(handle);
    assert.equal(res.status, 'failed');
    assert.equal(res.attempts, 1);
    assert.equal(res.last?.outcome, 'disabled');
    assert.equal(res.last?.statusCode, 500);
    assert.deepEqual(await timerDelays(handle), []);
    assert.equal(receiver.received(p).length, 1);

    const row = await findEndpoint(tdb.db, endpoint.id);
    assert.equal(row?.enabled, false);
    assert.equal(row?.failure_count, 11);
    assert.equal(row?.disabled_reason, `every delivery failed since ${since.toISOString()} (11 failures)`);
    assert.equal((await findDelivery(tdb.db, deliveryId))?.status, 'failed');
    const disabled = await eventsOfType('endpoint.disabled');
    assert.equal(disabled.length, 1);
    assert.equal((disabled[0].payload as { endpointId: number }).endpointId, endpoint.id);
    assert.equal((disabled[0].payload as { reason: string }).reason, row?.disabled_reason);
  });

  test('an endpoint failing for only 4 days stays enabled after a failure; a success then resets the streak', async () => {
    const p = freshPath('recent-failing');
    receiver.script(p, [{ status: 500 }, { status: 200 }]);
    const endpoint = await createEndpoint(p);
    const since = await setStreak(endpoint.id, '4 days', 10);
    const { deliveryId, handle } = await publishTo(endpoint);

    // Until result() is awaited the test server does not skip time: the 5 s timer leaves room to look at the row.
    await waitFor(async () => (await findDelivery(tdb.db, deliveryId))?.next_attempt_at != null);
    const afterFirst = await findEndpoint(tdb.db, endpoint.id);
    assert.equal(afterFirst?.enabled, true);
    assert.equal(afterFirst?.disabled_reason, null);
    assert.equal(afterFirst?.failure_count, 11);
    assert.equal(afterFirst?.failing_since?.toISOString(), since.toISOString());

    const res = await result(handle);
    assert.equal(res.status, 'succeeded');
    assert.equal(res.attempts, 2);
    const row = await findEndpoint(tdb.db, endpoint.id);
    assert.equal(row?.enabled, true);
    assert.equal(row?.failure_count, 0);
    assert.equal(row?.failing_since, null);
    assert.equal((await eventsOfType('endpoint.disabled')).length, 0);
  });
});

/** Sets the endpoint's failure streak to have started `age` ago with `count` failures; returns its start. */
async function setStreak(endpointId: number, age: string, count: number): Promise<Date> {
  const row = await tdb.db
    .updateTable('webhook_endpoints')
    .set({ failing_since: sql<Date>`now() - ${age}::interval`, failure_count: count })
    .where('id', '=', endpointId)
    .returning('failing_since')
    .executeTakeFirstOrThrow();
  assert.ok(row.failing_since instanceof Date);
  return row.failing_since;
}

describe('webhook delivery workflow: replay', () => {
  test('the full-schedule run replays with the current workflow code (RECORD_HISTORIES=1 stores it)', async () => {
    assert.ok(exhaustedHistory, 'the full-schedule test ran first');
    assert.equal((exhaustedHistory.events ?? []).filter((e) => e.timerStartedEventAttributes).length, 7);
    await replayAndRecord(exhaustedHistory, 'webhook-exhausted');
  });

  test('the recorded full-schedule history (histories/webhook-exhausted.binpb) replays with the current workflow code', async () => {
    const recorded = await readHistory('webhook-exhausted.binpb');
    const events = recorded.events ?? [];
    assert.equal(events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name, 'webhookDeliveryWorkflow');
    assert.equal(events.filter((e) => e.timerStartedEventAttributes).length, 7);
    assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'attemptDelivery').length, 8);
    await replay(recorded, 'webhook-exhausted');
  });
});
