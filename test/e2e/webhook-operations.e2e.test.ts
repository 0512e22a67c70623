import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { RETENTION_SCHEDULE_ID, SWEEP_SCHEDULE_ID } from '../../workflows/webhook.contract';
import { startStack, waitFor, type Stack } from '../support/stack';
import { startTestReceiver, type TestReceiver } from '../support/webhook-receiver';
import { createEndpoint, deliveryOf, postEvent, received, registerType, verify, waitDelivery } from '../support/webhooks';

let s: Stack;
let rx: TestReceiver;
let ops: { id: number; secret: string };
before(async () => {
  [s, rx] = await Promise.all([startStack(), startTestReceiver()]);
  await registerType(s, 'ping.sent');
  ops = await createEndpoint(s, rx, '/ops', { event_types: ['endpoint.disabled', 'message.attempt.exhausted'] });
});
after(async () => {
  await s?.close();
  await rx?.close();
});

const opsEvents = (type: string) => rx.received('/ops').map((r) => verify(ops.secret, r)).filter((e) => e.type === type);

describe('webhook operations end to end', () => {
  test('410 Gone disables the endpoint and emits endpoint.disabled; re-enable and recover delivers what failed', async () => {
    rx.script('/gone', [{ status: 410, body: 'unsubscribed' }]);
    const endpoint = await createEndpoint(s, rx, '/gone', { event_types: ['ping.sent'] });
    const since = new Date(Date.now() - 1000).toISOString();
    const event = await postEvent(s, 'ping.sent', { n: 1 });
    const delivery = await waitDelivery(s, event.id, endpoint.id, 'failed');
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.last_status_code, 410);
    const disabled = (await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}`)).body;
    assert.equal(disabled.enabled, false);
    assert.match(disabled.disabled_reason, /410/);
    await waitFor(() => opsEvents('endpoint.disabled').some((e) => (e.data as { endpointId: number }).endpointId === endpoint.id), 30_000, 'endpoint.disabled');
    await waitFor(() => opsEvents('message.attempt.exhausted').some((e) => (e.data as { eventId: number }).eventId === event.id), 30_000, 'message.attempt.exhausted');

    // While disabled nothing new is delivered to it.
    const skipped = await postEvent(s, 'ping.sent', { n: 2 });
    assert.equal(skipped.deliveries.some((d) => d.endpoint_id === endpoint.id), false);

    const enabled = await s.http('PATCH', `/api/v1/webhooks/endpoints/${endpoint.id}`, { enabled: true });
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.disabled_reason, null);
    const recover = await s.http('POST', `/api/v1/webhooks/endpoints/${endpoint.id}/recover`, { since });
    assert.equal(recover.status, 202, JSON.stringify(recover.body));
    assert.equal(recover.body.workflow_id, `webhook-recover-${endpoint.id}`);
    // The recovery's progress: Temporal's status of its workflow, its window, what it restarted and what is left.
    await waitFor(async () => (await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}/recover`)).body.status === 'completed', 30_000, 'recovery completed');
    const progress = (await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}/recover`)).body;
    assert.deepEqual(
      { workflow_id: progress.workflow_id, since: progress.since, restarted: progress.restarted, failed_remaining: progress.failed_remaining },
      { workflow_id: `webhook-recover-${endpoint.id}`, since: recover.body.since, restarted: 1, failed_remaining: 0 },
    );
    assert.equal(progress.until, recover.body.until);
    assert.ok(Date.parse(progress.closed_at) >= Date.parse(progress.started_at));
    const none = await s.http('GET', `/api/v1/webhooks/endpoints/${ops.id}/recover`);
    assert.equal(none.status, 404, 'no recovery of that endpoint ran');
    assert.equal((await s.http('GET', '/api/v1/webhooks/endpoints/999999/recover')).status, 404);
    const recovered = await waitDelivery(s, event.id, endpoint.id, 'succeeded');
    assert.equal(recovered.attempts, 2);
    const attempts = (await s.http('GET', `/api/v1/webhooks/endpoints/${endpoint.id}/attempts`)).body.items;
    assert.deepEqual(attempts.map((a: { attempt: number; trigger: string; status_code: number }) => [a.attempt, a.trigger, a.status_code]), [[2, 'recover', 200], [1, 'scheduled', 410]]);
    assert.equal(rx.received('/gone').length, 2);
    assert.equal(new Set(rx.received('/gone').map((r) => r.headers['webhook-id'])).size, 1, 'the same webhook-id on the retry');
  });

  test('a 503 with Retry-After waits at least as told (a floor), then delivers', async () => {
    rx.script('/busy', [{ status: 503, headers: { 'retry-after': '8' }, body: 'busy' }]);
    const endpoint = await createEndpoint(s, rx, '/busy', { event_types: ['ping.sent'] });
    const event = await postEvent(s, 'ping.sent', { n: 'busy' });
    const delivery = await waitDelivery(s, event.id, endpoint.id, 'succeeded', 40_000);
    assert.equal(delivery.attempts, 2);
    const [first, second] = rx.received('/busy');
    // Scheduled 5 s +-20% (4-6 s); Retry-After 8 s is more, and it is a floor: never sooner than 8 s.
    assert.ok(second.at - first.at >= 7_900, `waited ${second.at - first.at} ms`);
    assert.ok(second.at - first.at < 12_500, `waited ${second.at - first.at} ms`);
  });

  test('resend runs the delivery again with the same webhook-id; attempt numbers continue', async () => {
    const endpoint = await createEndpoint(s, rx, '/resend', { event_types: ['ping.sent'] });
    const event = await postEvent(s, 'ping.sent', { n: 'resend' });
    const delivery = await waitDelivery(s, event.id, endpoint.id, 'succeeded');
    const resent = await s.http('POST', `/api/v1/webhooks/deliveries/${delivery.id}/resend`);
    assert.equal(resent.status, 202, JSON.stringify(resent.body));
    const requests = await received(rx, '/resend', 2);
    assert.equal(requests[0].headers['webhook-id'], requests[1].headers['webhook-id']);
    await waitFor(async () => (await deliveryOf(s, event.id, endpoint.id))?.attempts === 2, 30_000, 'second attempt logged');
    const missing = await s.http('POST', '/api/v1/webhooks/deliveries/999999/resend');
    assert.equal(missing.status, 404);
  });

  test('the endpoint test sends webhook.test now and returns the answer', async () => {
    const endpoint = await createEndpoint(s, rx, '/probe', { event_types: ['ping.sent'] });
    const ok = await s.http('POST', `/api/v1/webhooks/endpoints/${endpoint.id}/test`, { message: 'hello' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.delivered, true);
    assert.equal(ok.body.status_code, 200);
    const body = verify(endpoint.secret, rx.received('/probe')[0]);
    assert.equal(body.type, 'webhook.test');
    assert.deepEqual(body.data, { endpointId: endpoint.id, message: 'hello' });

    rx.script('/probe', [{ status: 500, body: 'boom' }]);
    const bad = await s.http('POST', `/api/v1/webhooks/endpoints/${endpoint.id}/test`, {});
    assert.equal(bad.status, 200);
    assert.equal(bad.body.delivered, false);
    assert.equal(bad.body.status_code, 500);
    assert.equal(bad.body.response_body, 'boom');
    // A failed test raises no message.attempt.exhausted.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(opsEvents('message.attempt.exhausted').filter((e) => (e.data as { eventType: string }).eventType === 'webhook.test').length, 0);
  });

  test('an endpoint failing every delivery for 5 days is disabled; a success resets the streak', async () => {
    rx.script('/dying', [], { status: 500, body: 'down' });
    const dying = await createEndpoint(s, rx, '/dying', { event_types: ['ping.sent'] });
    const healthy = await createEndpoint(s, rx, '/recovering', { event_types: ['ping.sent'] });
    await sql`update webhook_endpoints set failing_since = now() - interval '6 days', failure_count = 12 where id in (${dying.id}, ${healthy.id})`.execute(s.tdb.db);
    const event = await postEvent(s, 'ping.sent', { n: 'health' });
    const failed = await waitDelivery(s, event.id, dying.id, 'failed');
    assert.equal(failed.attempts, 1);
    const row = (await s.http('GET', `/api/v1/webhooks/endpoints/${dying.id}`)).body;
    assert.equal(row.enabled, false);
    assert.match(row.disabled_reason, /13 failures/);
    await waitFor(() => opsEvents('endpoint.disabled').some((e) => (e.data as { endpointId: number }).endpointId === dying.id), 30_000, 'endpoint.disabled');

    await waitDelivery(s, event.id, healthy.id, 'succeeded');
    const reset = (await s.http('GET', `/api/v1/webhooks/endpoints/${healthy.id}`)).body;
    assert.equal(reset.enabled, true);
    assert.deepEqual([reset.health.failing_since, reset.health.failure_count], [null, 0]);

    const stats = await s.http('GET', `/api/v1/webhooks/endpoints/${dying.id}/stats`);
    assert.equal(stats.status, 200);
    assert.deepEqual(stats.body.attempts, { total: 1, succeeded: 0, failed: 1 });
    assert.equal(stats.body.success_rate, 0);
    assert.equal(stats.body.deliveries.failed, 1);
    const overall = await s.http('GET', '/api/v1/webhooks/stats');
    assert.ok(overall.body.attempts.total >= 5);
    assert.ok(overall.body.success_rate > 0 && overall.body.success_rate < 1);
    assert.ok(overall.body.latency_ms.p50 >= 0 && overall.body.latency_ms.p99 >= overall.body.latency_ms.p50);
  });

  test('a rate limit spaces deliveries to an endpoint', async () => {
    const endpoint = await createEndpoint(s, rx, '/limited', { event_types: ['ping.sent'], rate_limit_per_s: 2 });
    await createEndpoint(s, rx, '/unlimited', { event_types: ['ping.sent'] });
    for (let i = 0; i < 6; i++) await postEvent(s, 'ping.sent', { n: `limited-${i}` });
    const requests = await received(rx, '/limited', 6, 30_000);
    const times = requests.map((r) => r.at).sort((a, b) => a - b);
    // 2 per second: six deliveries need at least 5 gaps of 500 ms (a little slack for clocks).
    assert.ok(times[5] - times[0] >= 2_300, `spread over ${times[5] - times[0]} ms`);
    const free = (await received(rx, '/unlimited', 6)).map((r) => r.at).sort((a, b) => a - b);
    assert.ok(free[5] - free[0] < times[5] - times[0], 'the other endpoint is not held back');
  });

  test('mailings emit mailing.started, message.failed and mailing.completed', async () => {
    const endpoint = await createEndpoint(s, rx, '/mailings', { event_types: ['mailing.*', 'message.failed'] });
    await s.tdb.db
      .insertInto('clients')
      .values([
        { phone: '79550000001', operator_code: '955', tag: 'wh', timezone: 'UTC' },
        { phone: '79550000002', operator_code: '955', tag: 'wh', timezone: 'UTC' },
        { phone: '12345', operator_code: '955', tag: 'wh', timezone: 'UTC' }, // the provider client rejects it
      ])
      .execute();
    const mailing = await s.http('POST', '/api/v1/mailings', {
      text: 'webhooks',
      starts_at: new Date(Date.now() - 1000).toISOString(),
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      filter: { operator_codes: ['955'], tags: [] },
    });
    assert.equal(mailing.status, 201);
    await received(rx, '/mailings', 3, 60_000);
    const events = rx.received('/mailings').map((r) => verify(endpoint.secret, r));
    const types = events.map((e) => e.type).sort();
    assert.deepEqual(types, ['mailing.completed', 'mailing.started', 'message.failed']);
    const completed = events.find((e) => e.type === 'mailing.completed')!.data as { mailingId: number; counts: { sent: number; failed: number } };
    assert.equal(completed.mailingId, mailing.body.id);
    assert.deepEqual([completed.counts.sent, completed.counts.failed], [2, 1]);
    const failed = events.find((e) => e.type === 'message.failed')!.data as { phone: string; mailingId: number };
    assert.deepEqual([failed.phone, failed.mailingId], ['12345', mailing.body.id]);
  });

  test('the dispatch sweep hands undispatched deliveries to Temporal; retention purges old attempts and payloads', async () => {
    const endpoint = await createEndpoint(s, rx, '/sweep', { event_types: ['ping.sent'] });
    const db = s.tdb.db;
    // A delivery committed by a process that died before starting its workflow.
    const orphan = await db.insertInto('webhook_events').values({ type: 'ping.sent', payload: JSON.stringify({ n: 'orphan' }), source: 'api' }).returning('id').executeTakeFirstOrThrow();
    await sql`insert into webhook_deliveries (event_id, endpoint_id, created_at) values (${orphan.id}, ${endpoint.id}, now() - interval '2 minutes')`.execute(db);
    // Data older than the retention period (90 days by default).
    const old = await sql<{ id: number }>`insert into webhook_events (type, payload, source, created_at) values ('ping.sent', '{"n":"old"}', 'api', now() - interval '100 days') returning id`.execute(db);
    const oldId = old.rows[0].id;
    const oldDelivery = await sql<{ id: number }>`insert into webhook_deliveries (event_id, endpoint_id, status, dispatched_at) values (${oldId}, ${endpoint.id}, 'succeeded', now()) returning id`.execute(db);
    await sql`insert into webhook_attempts (delivery_id, event_id, endpoint_id, attempt, trigger, started_at, duration_ms, outcome, status_code)
              values (${oldDelivery.rows[0].id}, ${oldId}, ${endpoint.id}, 1, 'scheduled', now() - interval '100 days', 12, 'succeeded', 200)`.execute(db);

    await s.env.client.schedule.getHandle(SWEEP_SCHEDULE_ID).trigger();
    const [request] = await received(rx, '/sweep', 1, 30_000);
    assert.deepEqual(verify(endpoint.secret, request).data, { n: 'orphan' });
    await waitDelivery(s, orphan.id, endpoint.id, 'succeeded');

    await s.env.client.schedule.getHandle(RETENTION_SCHEDULE_ID).trigger();
    await waitFor(async () => (await s.http('GET', `/api/v1/webhooks/events/${oldId}`)).body.payload_deleted_at !== null, 30_000, 'payload purged');
    const purged = (await s.http('GET', `/api/v1/webhooks/events/${oldId}`)).body;
    assert.equal(purged.payload, null);
    assert.equal((await s.http('GET', `/api/v1/webhooks/events/${oldId}/attempts`)).body.items.length, 0);
    // Recent data stays.
    const recent = (await s.http('GET', `/api/v1/webhooks/events/${orphan.id}`)).body;
    assert.deepEqual(recent.payload, { n: 'orphan' });
    assert.equal((await s.http('GET', `/api/v1/webhooks/events/${orphan.id}/attempts`)).body.items.length, 1);
    const schedule = await s.env.client.schedule.getHandle(RETENTION_SCHEDULE_ID).describe();
    assert.equal(schedule.action.type, 'startWorkflow');
  });
});
