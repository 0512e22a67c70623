/** The dead scenario: a healthy and a dead endpoint on the same dispatcher, then the dead one comes back. */
import { sql } from 'kysely';
import { insertEventType } from '../../lib/db/webhook-event-type.repository';
import { dispatchSettingsFromConfig } from '../../lib/webhooks/dispatch-settings';
import { EVENT_TYPE, type DatabaseKind, type Report } from './knobs';
import { countDeliveries, eventIdOf, eventTimes, firstArrivals, latencies, percentiles, round, sleep, temporalWork, waitDrained } from './measure';
import { CpuMeter } from './processes';
import { createEndpoints, publishThroughApi, startStack, type Shared } from './stack';

export async function dead(shared: Shared, kind: DatabaseKind): Promise<Report> {
  const { knobs, receiver } = shared;
  await receiver.reset();
  const stack = await startStack(shared, kind, { worker: true, api: true });
  try {
    await insertEventType(stack.db, { name: EVENT_TYPE, description: 'bench', schema: { type: 'object' } });
    // The dead endpoint shares the healthy one's dispatcher (endpoint id mod WEBHOOK_DISPATCHERS): the harder case.
    const shards = stack.config.WEBHOOK_DISPATCHERS;
    const [healthyId] = await createEndpoints(stack, receiver, ['/healthy']);
    let [deadId] = await createEndpoints(stack, receiver, ['/dead']);
    while (deadId % shards !== healthyId % shards) {
      await sql`delete from webhook_endpoints where id = ${deadId}`.execute(stack.db);
      [deadId] = await createEndpoints(stack, receiver, ['/dead']);
    }
    const queue = stack.config.WEBHOOK_TASK_QUEUE;
    const started = Date.now();
    const deadMs = knobs.deadMinutes * 60_000;
    const publishing = await publishThroughApi(stack, knobs.deadRate, knobs.deadBaselineSeconds + deadMs / 1000);
    await sleep(Math.max(0, started + knobs.deadBaselineSeconds * 1000 - Date.now()));
    await receiver.control('/dead', { status: 503 });
    const diedAt = Date.now();
    const meter = await CpuMeter.start(() => stack.cpuGroups());
    const samples: { t: number; pendingDead: number }[] = [];
    const sampler = (async () => {
      while (Date.now() < diedAt + deadMs) {
        await sleep(15_000);
        samples.push({ t: round((Date.now() - diedAt) / 1000)!, pendingDead: await countDeliveries(stack.db, sql`endpoint_id = ${deadId} and status = 'pending'`) });
      }
    })();
    const summary = await publishing.promise;
    await sampler;
    const backAt = Date.now();
    const minutesDead = (backAt - diedAt) / 60_000;
    const cpu = await meter.read();
    const work = await temporalWork(stack.client, queue, diedAt, backAt);
    // Due order as the dispatchers see it when the endpoint comes back.
    const due = await sql<{ event_id: number }>`
      select event_id from webhook_deliveries where endpoint_id = ${deadId} and status = 'pending' order by next_attempt_at, id`.execute(stack.db);
    const breaker = await sql<{ breaker_open_until: Date | null; breaker_opens: number }>`
      select breaker_open_until, breaker_opens from webhook_endpoints where id = ${deadId}`.execute(stack.db);
    await receiver.control('/dead', { status: 200 });
    const drainedAt = await waitDrained(stack.db, knobs.deadDrainTimeoutMinutes * 60_000, 1_000);
    const endAt = drainedAt ?? Date.now();
    const recoveryWork = await temporalWork(stack.client, queue, backAt, endAt);

    const created = await eventTimes(stack.db);
    const healthy = firstArrivals(await receiver.arrivals('/healthy'));
    const deadLog = await receiver.arrivals('/dead');
    const during = (t: number) => t >= diedAt && t < backAt;
    const deadRequestsDuring = deadLog.at.filter(during).length;
    // Order after the comeback: each success's rank in due order; lag = how far behind the furthest rank already seen.
    const rank = new Map(due.rows.map((r, i) => [Number(r.event_id), i]));
    const seen = new Set<string>();
    let furthest = -1;
    const lags: number[] = [];
    let firstSuccessAt: number | null = null;
    let lastSuccessAt: number | null = null;
    for (let i = 0; i < deadLog.ids.length; i++) {
      if (deadLog.at[i] < backAt || deadLog.status[i] !== 200 || seen.has(deadLog.ids[i])) continue;
      seen.add(deadLog.ids[i]);
      firstSuccessAt ??= deadLog.at[i];
      lastSuccessAt = deadLog.at[i];
      const r = rank.get(eventIdOf(deadLog.ids[i]));
      if (r === undefined) continue;
      lags.push(Math.max(0, furthest - r));
      furthest = Math.max(furthest, r);
    }
    const deadUnique = new Set(deadLog.ids.filter((_, i) => deadLog.status[i] === 200)).size;
    const deadDeliveries = await countDeliveries(stack.db, sql`endpoint_id = ${deadId}`);
    const lagStats = percentiles(lags);
    const stats = await receiver.stats();
    return {
      scenario: 'dead',
      database: kind,
      eventsPerSecond: knobs.deadRate,
      baselineSeconds: knobs.deadBaselineSeconds,
      deadMinutes: knobs.deadMinutes,
      // Longer than deadMinutes when the publisher falls behind its pace: the endpoint stays dead until it is done.
      secondsDead: round((backAt - diedAt) / 1000, 1),
      publisher: summary,
      healthyAcceptedToFirstAttemptMs: {
        baseline: percentiles(latencies(healthy, created, started, diedAt)),
        whileDead: percentiles(latencies(healthy, created, diedAt, backAt)),
        recovery: percentiles(latencies(healthy, created, backAt, endAt)),
      },
      deadEndpoint: {
        requestsWhileDead: deadRequestsDuring,
        byStatusWhileDead: deadLog.status.filter((_, i) => during(deadLog.at[i])).reduce<Record<string, number>>((a, s) => ((a[s] = (a[s] ?? 0) + 1), a), {}),
        breakerAtComeback: breaker.rows[0],
        pendingAtComeback: due.rows.length,
        pendingSamples: samples,
        deliveries: deadDeliveries,
        deliveredUnique: deadUnique,
        // From the comeback to the first success (the breaker's next probe) and on to the last delivery.
        secondsToFirstSuccess: firstSuccessAt === null ? null : round((firstSuccessAt - backAt) / 1000, 1),
        secondsToDrain: drainedAt === null ? null : round((drainedAt - backAt) / 1000, 1),
        drainDeliveriesPerSecond: firstSuccessAt !== null && lastSuccessAt !== null && lastSuccessAt > firstSuccessAt ? Math.round(seen.size / ((lastSuccessAt - firstSuccessAt) / 1000)) : null,
        // In due order when no success comes later than ~what the dispatchers keep in flight for it.
        orderLagRanks: lagStats,
        outOfOrderBeyondInFlight: lags.filter((l) => l > stack.config.WEBHOOK_DISPATCH_PER_ENDPOINT * 2).length,
      },
      temporalWhileDead: { ...work, perMinute: { workflowStarts: round(Object.values(work.starts).reduce((a, b) => a + b, 0) / minutesDead, 2), historyEvents: round(work.historyEvents / minutesDead, 1) } },
      temporalRecovery: recoveryWork,
      repeats: stats.duplicates,
      cpuSecondsWhileDead: cpu,
      complete: drainedAt !== null,
      temporalDeadlineWarnings: stack.deadlineWarnings(),
      settings: dispatchSettingsFromConfig(stack.config),
    };
  } finally {
    await stack.close();
  }
}
