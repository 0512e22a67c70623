/** The saturation scenario: a backlog drained by the dispatchers alone, then publishing and delivering at once. */
import { dispatchSettingsFromConfig } from '../../lib/webhooks/dispatch-settings';
import { EVENT_TYPE, type DatabaseKind, type Report } from './knobs';
import { eventTimes, firstArrivals, latencies, percentiles, round, sleep, waitDrained } from './measure';
import { CpuMeter } from './processes';
import { createEndpoints, publishBurst, publisherOf, startStack, type Shared } from './stack';

export async function saturation(shared: Shared, kind: DatabaseKind, endpoints: number): Promise<Report> {
  const { knobs, receiver } = shared;
  await receiver.reset();
  const stack = await startStack(shared, kind, { worker: false, api: false });
  try {
    const paths = Array.from({ length: endpoints }, (_, i) => `/sat-${i}`);
    await createEndpoints(stack, receiver, paths);

    // 1. Dispatch alone: a backlog published before the worker starts, then drained.
    const backlogEvents = await publishBurst(stack, shared.logger, knobs.saturationDrain, endpoints);
    const backlog = backlogEvents.length * endpoints;
    const drainMeter = await CpuMeter.start(() => stack.cpuGroups());
    const workerAt = Date.now();
    await stack.startWorker();
    const drainedBacklogAt = await waitDrained(stack.db, 10 * 60_000);
    const drainCpu = await drainMeter.read();
    let firstAt = Infinity;
    let lastAt = 0;
    for (const p of paths) {
      const a = await receiver.arrivals(p);
      if (a.at.length) (firstAt = Math.min(firstAt, a.at[0])), (lastAt = Math.max(lastAt, a.at[a.at.length - 1]));
    }
    const drainStats = await receiver.stats();
    const drain = {
      backlog,
      secondsFromWorkerStart: round(((drainedBacklogAt ?? Date.now()) - workerAt) / 1000, 1),
      // From the first request to the last: the dispatchers' own pace, the worker's boot left out.
      deliveriesPerSecond: lastAt > firstAt ? Math.round(backlog / ((lastAt - firstAt) / 1000)) : null,
      repeats: drainStats.duplicates,
      complete: drainedBacklogAt !== null,
      cpuSeconds: drainCpu,
    };
    await receiver.reset();

    // 2. Sustained: publishing and delivering at once, the backlog held near saturationBacklog so it never runs dry.
    const publisher = publisherOf(stack, shared.logger);
    let published = 0; // deliveries
    let events = 0;
    let delivered = 0;
    let stop = false;
    const started = Date.now();
    const meter = await CpuMeter.start(() => stack.cpuGroups());
    const loop = async () => {
      while (!stop) {
        if (published - delivered > knobs.saturationBacklog) {
          await sleep(20);
          continue;
        }
        const recorded = await publisher.publish({ type: EVENT_TYPE, payload: { i: events }, source: 'api' });
        events++;
        published += recorded.deliveries.length;
      }
    };
    const loops = Array.from({ length: knobs.publishConcurrency }, loop);
    const end = started + knobs.saturationSeconds * 1000;
    const from = started + knobs.saturationWarmupSeconds * 1000;
    let maxBacklog = 0;
    let minBacklog = Infinity;
    while (Date.now() < end) {
      await sleep(250);
      delivered = await receiver.unique();
      if (Date.now() >= from) {
        maxBacklog = Math.max(maxBacklog, published - delivered);
        minBacklog = Math.min(minBacklog, published - delivered);
      }
    }
    stop = true;
    await Promise.all(loops);
    const stoppedAt = Date.now();
    const cpu = await meter.read();
    const backlogAtStop = published - (await receiver.unique());
    const drainedAt = await waitDrained(stack.db, 10 * 60_000);

    let inWindow = 0;
    let all: { id: string; at: number }[] = [];
    for (const p of paths) {
      const first = firstArrivals(await receiver.arrivals(p));
      all = all.concat(first);
      inWindow += first.filter((a) => a.at >= from && a.at < stoppedAt).length;
    }
    const created = await eventTimes(stack.db);
    const windowSeconds = (stoppedAt - from) / 1000;
    const stats = await receiver.stats();
    const rate = inWindow / windowSeconds;
    return {
      scenario: 'saturation',
      database: kind,
      endpointsPerEvent: endpoints,
      drain,
      sustained: {
        events,
        deliveries: published,
        deliveriesPerSecond: Math.round(rate),
        publishedEventsPerSecond: Math.round(events / ((stoppedAt - started) / 1000)),
        windowSeconds: round(windowSeconds, 1),
        backlogInWindow: { min: minBacklog, max: maxBacklog, atStop: backlogAtStop },
        // The dispatchers kept up when the backlog stayed under a second's worth: publishing (sharing the CPU) was the limit.
        limitedBy: maxBacklog < rate ? 'publishing (the dispatchers kept up)' : 'dispatching (a backlog built up)',
        drainedSecondsAfterStop: drainedAt === null ? null : round((drainedAt - stoppedAt) / 1000, 1),
        acceptedToFirstAttemptMs: percentiles(latencies(all, created, from, stoppedAt)),
        receiverRequests: stats.requests,
        repeats: stats.duplicates,
        complete: drainedAt !== null,
        cpuSeconds: cpu,
      },
      temporalDeadlineWarnings: stack.deadlineWarnings(),
      settings: dispatchSettingsFromConfig(stack.config),
    };
  } finally {
    await stack.close();
  }
}
