/**
 * The upstream of the integration bench (scripts/bench-integrations.ts), run as its own process by bench.ts so it does
 * not share the worker's CPU. n items per dataset, ids 1..n, generated on request; a change moves an item to the end:
 *   GET  /ds/<name>/<n>?page&per_page&since   n items {data, meta} ordered by (updated_at, id), bearer token required
 *   POST /ds/<name>/<n>/change?count=k        changes k of them (new name, next clock tick)
 *   GET  /__stats                             requests served, refused, time spent
 * Prints {"url": ...} on stdout once listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const UPSTREAM_TOKEN = 'bench-upstream-token-0123456789';
const T0 = Date.parse('2024-01-01T00:00:00Z');

interface Dataset {
  ms: Float64Array;
  version: Uint32Array;
  /** Ids by (updated_at, id). */
  order: Int32Array;
  clock: number;
}

function serveUpstream(): void {
  const datasets = new Map<string, Dataset>();
  const stats = { requests: 0, unauthorized: 0, serveMs: 0 };
  const datasetOf = (key: string, n: number): Dataset => {
    let ds = datasets.get(key);
    if (!ds) {
      ds = { ms: new Float64Array(n + 1), version: new Uint32Array(n + 1), order: new Int32Array(n), clock: T0 + (n + 1) * 1000 };
      for (let id = 1; id <= n; id++) (ds.ms[id] = T0 + id * 1000), (ds.order[id - 1] = id);
      datasets.set(key, ds);
    }
    return ds;
  };
  const item = (ds: Dataset, id: number) => ({
    id,
    name: ds.version[id] === 0 ? `item-${id}` : `item-${id} v${ds.version[id]}`,
    email: `user${id}@example.com`,
    amount: (id * 37) % 10_000,
    tags: ['bench', id % 2 === 0 ? 'even' : 'odd'],
    updated_at: new Date(ds.ms[id]).toISOString(),
  });
  const server = http.createServer((req, res) => {
    const t = performance.now();
    const url = new URL(req.url ?? '/', 'http://upstream');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      stats.serveMs += performance.now() - t;
    };
    stats.requests++;
    if (url.pathname === '/__stats') return send(200, { ...stats, serveMs: Math.round(stats.serveMs) });
    const match = /^\/ds\/([\w-]+)\/(\d+)(\/change)?$/.exec(url.pathname);
    if (!match) return send(404, { error: 'no such route' });
    const ds = datasetOf(`${match[1]}/${match[2]}`, Number(match[2]));
    if (match[3]) {
      // Change `count` items spread over the ids: each gets a new name and the next clock tick.
      const count = Math.min(ds.order.length, Number(url.searchParams.get('count') ?? 0));
      const changed = new Set<number>();
      for (let k = 0; k < count; k++) changed.add(1 + Math.floor((k * ds.order.length) / count));
      const rest = ds.order.filter((id) => !changed.has(id));
      ds.order.set(rest);
      let i = rest.length;
      for (const id of changed) (ds.version[id] += 1), (ds.ms[id] = ds.clock += 1000), (ds.order[i++] = id);
      return send(200, { changed: changed.size });
    }
    if (req.headers.authorization !== `Bearer ${UPSTREAM_TOKEN}`) return stats.unauthorized++, send(401, { error: 'unauthorized' });
    const q = url.searchParams;
    const perPage = Math.max(1, Number(q.get('per_page') ?? 100));
    const page = Math.max(1, Number(q.get('page') ?? 1));
    const since = q.has('since') ? Date.parse(q.get('since')!) : -Infinity;
    let lo = 0;
    let hi = ds.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ds.ms[ds.order[mid]] > since) hi = mid;
      else lo = mid + 1;
    }
    const from = lo + (page - 1) * perPage;
    const data = Array.from(ds.order.subarray(from, Math.min(ds.order.length, from + perPage)), (id) => item(ds, id));
    send(200, { data, meta: { page, per_page: perPage, total: ds.order.length - lo } });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`));
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
  });
}

if (require.main === module) serveUpstream();
