/** The latency scenario: events through the HTTP API at a fixed rate; accepted -> first attempt. */
import { insertEventType } from '../../lib/db/webhook-event-type.repository';
import { EVENT_TYPE, type DatabaseKind, type Report } from './knobs';
import { countDeliveries, eventTimes, firstArrivals, latencies, percentiles, round, waitDrained } from './measure';
import { CpuMeter } from './processes';
import { createEndpoints, publishThroughApi, startStack, type Shared } from './stack';

export async function latency(shared: Shared, kind: DatabaseKind): Promise<Report> {
  const { knobs, receiver } = shared;
  await receiver.reset();
  const stack = await startStack(shared, kind, { worker: true, api: true });
  try {
    await insertEventType(stack.db, { name: EVENT_TYPE, description: 'bench', schema: { type: 'object' } });
    const paths = Array.from({ length: knobs.latencyEndpoints }, (_, i) => `/lat-${i}`);
    await createEndpoints(stack, receiver, paths);
    const started = Date.now();
    const meter = await CpuMeter.start(() => stack.cpuGroups());
    const publishing = await publishThroughApi(stack, knobs.latencyRate, knobs.latencySeconds);
    const summary = await publishing.promise;
    const stoppedAt = Date.now();
    const cpu = await meter.read();
    // The publisher has exited by now (/proc has no CPU time of it left): it reports its own.
    cpu.publisher = typeof summary.cpuSeconds === 'number' ? summary.cpuSeconds : null;
    const drainedAt = await waitDrained(stack.db, 5 * 60_000);
    const created = await eventTimes(stack.db);
    let all: { id: string; at: number }[] = [];
    for (const p of paths) all = all.concat(firstArrivals(await receiver.arrivals(p)));
    const lat = latencies(all, created);
    const stats = await receiver.stats();
    return {
      scenario: 'latency',
      database: kind,
      endpointsPerEvent: knobs.latencyEndpoints,
      targetEventsPerSecond: knobs.latencyRate,
      publisher: summary,
      deliveries: await countDeliveries(stack.db),
      acceptedToFirstAttemptMs: percentiles(lat),
      // Without the first 5 s (the dispatchers' HTTP connections, JIT).
      acceptedToFirstAttemptAfter5sMs: percentiles(latencies(all, created, started + 5_000)),
      over250ms: lat.filter((v) => v > 250).length,
      drainedSecondsAfterPublishing: drainedAt === null ? null : round((drainedAt - stoppedAt) / 1000, 1),
      repeats: stats.duplicates,
      cpuSeconds: cpu,
      temporalDeadlineWarnings: stack.deadlineWarnings(),
    };
  } finally {
    await stack.close();
  }
}
