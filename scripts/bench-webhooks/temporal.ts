/** The temporal scenario: Temporal work per 100 deliveries (happy path, failing requests) and while idle. */
import { sql } from 'kysely';
import { dispatchSettingsFromConfig } from '../../lib/webhooks/dispatch-settings';
import { EVENT_TYPE, type DatabaseKind, type Report } from './knobs';
import { countDeliveries, per100, round, sleep, temporalWork, waitDrained } from './measure';
import { createEndpoints, publisherOf, startStack, type Shared } from './stack';

export async function temporal(shared: Shared, kind: DatabaseKind): Promise<Report> {
  const { knobs, receiver } = shared;
  await receiver.reset();
  const stack = await startStack(shared, kind, { worker: true, api: false, env: { WEBHOOK_RETRY_DELAYS_MS: knobs.temporalRetryDelaysMs } });
  try {
    const publisher = publisherOf(stack, shared.logger);
    const queue = stack.config.WEBHOOK_TASK_QUEUE;
    const runs: Report[] = [];
    for (const failRate of [0, knobs.failRate]) {
      const tag = failRate > 0 ? 'fail' : 'ok';
      const paths = Array.from({ length: knobs.temporalEndpoints }, (_, i) => `/tmp-${tag}-${i}`);
      // Endpoints of the earlier run stop receiving: each run's events go to its own endpoints only.
      await sql`update webhook_endpoints set enabled = false`.execute(stack.db);
      await createEndpoints(stack, receiver, paths);
      for (const p of paths) await receiver.control(p, { failRate });
      const before = await countDeliveries(stack.db);
      const started = Date.now();
      for (let i = 0; i < knobs.temporalEvents; i++) {
        const due = started + (i * 1000) / knobs.temporalRate - Date.now();
        if (due > 0) await sleep(due);
        await publisher.publish({ type: EVENT_TYPE, payload: { i }, source: 'api' });
      }
      const drainedAt = (await waitDrained(stack.db, 15 * 60_000)) ?? Date.now();
      const deliveries = (await countDeliveries(stack.db)) - before;
      const work = await temporalWork(stack.client, queue, started, drainedAt);
      const attempts = (await sql<{ n: number; failed: number }>`
        select count(*)::int as n, (count(*) filter (where outcome = 'failed'))::int as failed from webhook_attempts a
          join webhook_endpoints e on e.id = a.endpoint_id where e.description like ${`bench /tmp-${tag}-%`}`.execute(stack.db)).rows[0];
      const succeeded = await countDeliveries(stack.db, sql`status = 'succeeded' and endpoint_id in (select id from webhook_endpoints where description like ${`bench /tmp-${tag}-%`})`);
      runs.push({
        run: failRate > 0 ? `${Math.round(failRate * 100)}% of requests answered 500` : 'happy path',
        deliveries,
        succeeded,
        attempts: attempts.n,
        failedAttempts: attempts.failed,
        seconds: round((drainedAt - started) / 1000, 1),
        per100Deliveries: per100(work, deliveries),
        work,
      });
    }
    // No traffic: what the dispatchers, the sweep Schedule and the rest cost by themselves.
    const idleFrom = Date.now();
    await sleep(knobs.temporalIdleSeconds * 1000);
    const idle = await temporalWork(stack.client, queue, idleFrom, Date.now());
    const minutes = knobs.temporalIdleSeconds / 60;
    return {
      scenario: 'temporal',
      database: kind,
      events: knobs.temporalEvents,
      endpointsPerEvent: knobs.temporalEndpoints,
      eventsPerSecond: knobs.temporalRate,
      retryDelaysMs: knobs.temporalRetryDelaysMs,
      runs,
      idle: {
        seconds: knobs.temporalIdleSeconds,
        perMinute: {
          workflowStarts: round(Object.values(idle.starts).reduce((a, b) => a + b, 0) / minutes, 2),
          historyEvents: round(idle.historyEvents / minutes, 1),
          actions: round(idle.actions / minutes, 1),
        },
        work: idle,
      },
      settings: dispatchSettingsFromConfig(stack.config),
      temporalDeadlineWarnings: stack.deadlineWarnings(),
    };
  } finally {
    await stack.close();
  }
}
