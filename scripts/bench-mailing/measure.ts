// What the mailing bench reads besides the mailing itself: the API's read latency, worker readiness, where a run's
// time went, table sizes.
import { sql } from 'kysely';
import type { Db } from '../../lib/db/connect';
import { BENCH_ADMIN_KEY, type MailingStack, type Proc } from './stack';

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);

/** GETs the API while a mailing runs (sequentially, about `rps` a second) and keeps each answer's latency. */
export function probeApi(base: string, mailingId: number, rps: number): { stop(): Promise<{ n: number; p50: number | null; p99: number | null; max: number | null; errors: number }> } {
  const paths = [`/api/v1/mailings/${mailingId}/progress`, `/api/v1/mailings/${mailingId}`, '/api/v1/clients?limit=50'];
  const latencies: number[] = [];
  let errors = 0;
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const t = performance.now();
      const ok = await fetch(`${base}${paths[i % paths.length]}`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } }).then(
        async (r) => (await r.arrayBuffer(), r.status < 500),
        () => false,
      );
      latencies.push(performance.now() - t);
      if (!ok) errors++;
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 / rps - (performance.now() - t))));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = latencies.sort((a, b) => a - b).map((v) => Math.round(v));
      return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? null, errors };
    },
  };
}

/** Waits until `count` workers poll the bench's task queue for workflow and activity tasks (their bundle is built). */
export async function waitForPollers(s: MailingStack, workers: Proc[]): Promise<void> {
  const service = s.env.client.workflowService;
  // By identity (pid@host): the server lists a stopped worker's pollers for a while after it is gone.
  const pids = workers.map((w) => `${w.child.pid}@`);
  const polling = (identities: string[]) => pids.every((pid) => identities.some((id) => id.startsWith(pid)));
  for (let i = 0; i < 1200; i++) {
    const [workflows, activities] = await Promise.all(
      [1, 2].map((taskQueueType) =>
        service.describeTaskQueue({ namespace: 'default', taskQueue: { name: 'bench' }, taskQueueType }).then((r) => (r.pollers ?? []).map((p) => p.identity ?? '')),
      ),
    );
    if (polling(workflows) && polling(activities)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the workers did not start polling');
}

/** Where a run's time went: its activities and timers, in seconds from the workflow's start. */
export async function timeline(s: MailingStack, id: number): Promise<string[]> {
  const history = await s.env.client.workflow.getHandle(`mailing-${id}`).fetchHistory();
  const events = history.events ?? [];
  const t0 = Number(events[0]?.eventTime?.seconds ?? 0) * 1000 + Math.round((events[0]?.eventTime?.nanos ?? 0) / 1e6);
  const at = (e: (typeof events)[number]) => ((Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6) - t0) / 1000).toFixed(1);
  const out: string[] = [];
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) out.push(`${at(e)} start ${e.activityTaskScheduledEventAttributes.activityType?.name}`);
    else if (e.activityTaskCompletedEventAttributes) out.push(`${at(e)} done`);
    else if (e.activityTaskFailedEventAttributes) out.push(`${at(e)} failed ${e.activityTaskFailedEventAttributes.failure?.message ?? ''}`);
    else if (e.timerStartedEventAttributes) out.push(`${at(e)} timer ${Number(e.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0)} s`);
  }
  return out;
}

export async function tableSizes(db: Db): Promise<Record<string, { tableMb: number; indexesMb: number }>> {
  const { rows } = await sql<{ name: string; table_mb: number; indexes_mb: number }>`
    SELECT c.relname AS name, round(pg_table_size(c.oid) / 1048576.0, 1)::float8 AS table_mb, round(pg_indexes_size(c.oid) / 1048576.0, 1)::float8 AS indexes_mb
      FROM pg_class c WHERE c.relname IN ('clients', 'messages', 'mailing_message_counts', 'mailings')`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, { tableMb: r.table_mb, indexesMb: r.indexes_mb }]));
}
