/** The crash scenario: the worker (or all of `npm start` on PGlite) killed with SIGKILL mid-burst and started again. */
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { ADMIN_KEY, EVENT_TYPE, type DatabaseKind, type Report } from './knobs';
import { round, sleep } from './measure';
import { spawnScript, stopChild } from './processes';
import { createEndpoints, publisherOf, startStack, type Shared } from './stack';

export async function crash(shared: Shared, kind: DatabaseKind): Promise<Report> {
  const { knobs, receiver } = shared;
  await receiver.reset();
  const lease = String(knobs.crashLeaseMs);
  const stack = await startStack(shared, kind, { worker: false, api: false, env: { WEBHOOK_DISPATCH_LEASE_MS: lease } });
  const children: ChildProcess[] = [];
  try {
    const paths = Array.from({ length: knobs.crashEndpoints }, (_, i) => `/crash-${i}`);
    await createEndpoints(stack, receiver, paths);
    const publisher = publisherOf(stack, shared.logger);
    const events = Math.ceil(knobs.crashDeliveries / knobs.crashEndpoints);
    const expected = new Map<string, Set<string>>(paths.map((p) => [p, new Set()]));
    await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        for (let i = k; i < events; i += 8) {
          const recorded = await publisher.publish({ type: EVENT_TYPE, payload: { i }, source: 'api' });
          for (const p of paths) expected.get(p)!.add(`msg_${recorded.event.id}`);
        }
      }),
    );
    const total = events * paths.length;
    const c = stack.config;
    // The process that gets killed: the worker on its own (PostgreSQL), or all of `npm start` (PGlite lives in it).
    const spawnWorker = async (): Promise<ChildProcess> => {
      const env: Record<string, string | undefined> = {
        TEMPORAL_ADDRESS: c.TEMPORAL_ADDRESS,
        ENCRYPTION_KEY: c.ENCRYPTION_KEY,
        WEBHOOK_ALLOWLIST: '127.0.0.1',
        WEBHOOK_DISPATCH_LEASE_MS: lease,
        LOG_LEVEL: 'warn',
      };
      const s =
        kind === 'postgres'
          ? await spawnScript('worker/main.ts', { ...env, DATABASE_URL: stack.dbUrl, WORKER_QUEUES: 'webhooks' }, false)
          : await spawnScript('scripts/start.ts', { ...env, DATABASE_URL: undefined, DATA_DIR: stack.dataDir, ADMIN_API_KEY: ADMIN_KEY, API_PORT: '0', PROVIDER_URL: undefined }, false);
      children.push(s.child);
      return s.child;
    };
    if (kind === 'pglite') await stack.releaseDatabase();
    const started = Date.now();
    const first = await spawnWorker();
    const killAt = Math.round(total * knobs.crashAt);
    let atKill = 0;
    for (;;) {
      atKill = await receiver.unique();
      if (atKill >= killAt) break;
      if (first.exitCode !== null) throw new Error(`the worker exited (${first.exitCode}) before the kill`);
      if (Date.now() - started > 10 * 60_000) throw new Error('no progress before the kill');
      await sleep(20);
    }
    first.kill('SIGKILL');
    await new Promise((r) => (first.exitCode !== null || first.signalCode !== null ? r(null) : first.once('exit', r)));
    const killedAt = Date.now();
    const receivedAtKill = await receiver.unique();
    const requestsAtKill = (await receiver.stats()).requests;
    const second = await spawnWorker();
    // Until every delivery arrived, then a lease longer, so late repeats are counted too.
    let allArrivedAt: number | null = null;
    while (Date.now() - killedAt < 10 * 60_000) {
      if ((await receiver.unique()) >= total) {
        allArrivedAt = Date.now();
        break;
      }
      await sleep(100);
    }
    await sleep(knobs.crashLeaseMs + 5_000);
    await stopChild(second);
    if (kind === 'pglite') await stack.reopenDatabase();
    const statuses = await sql<{ status: string; n: number }>`select status, count(*)::int as n from webhook_deliveries group by status`.execute(stack.db);
    let lost = 0;
    let foreign = 0;
    let repeats = 0;
    const repeatsPerPath: Record<string, number> = {};
    for (const p of paths) {
      const log = await receiver.arrivals(p);
      const unique = new Set(log.ids);
      const want = expected.get(p)!;
      for (const id of want) if (!unique.has(id)) lost++;
      for (const id of unique) if (!want.has(id)) foreign++;
      repeatsPerPath[p] = log.ids.length - unique.size;
      repeats += log.ids.length - unique.size;
    }
    return {
      scenario: 'crash',
      database: kind,
      process: kind === 'postgres' ? 'worker/main.ts (WORKER_QUEUES=webhooks)' : 'scripts/start.ts (npm start: worker, API and PGlite in one process)',
      leaseMs: knobs.crashLeaseMs,
      deliveries: total,
      receivedAtKill,
      requestsAtKill,
      killedAfterSeconds: round((killedAt - started) / 1000, 1),
      secondsFromKillToAllDelivered: allArrivedAt === null ? null : round((allArrivedAt - killedAt) / 1000, 1),
      lost,
      repeats,
      repeatsPerPath,
      // Every repeat carried a webhook-id of the expected set (a repeat is, by construction, the same (path, webhook-id)).
      unexpectedWebhookIds: foreign,
      deliveryStatuses: Object.fromEntries(statuses.rows.map((r) => [r.status, r.n])),
    };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack.close();
  }
}
