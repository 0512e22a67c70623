/**
 * Webhook receiver for `npm run bench` (BENCH=webhooks), run in its own process so it does not share the worker's CPU.
 * Answers every POST with 200 after BENCH_RECEIVER_LATENCY_MS (5) and records, per path, every request's webhook-id,
 * arrival time (Date.now() when its head arrived) and the status it was given. Prints {"url":"..."} once listening.
 *
 *   GET  /__stats                 requests, repeats of the same (path, webhook-id), per path: requests, unique, by status
 *   GET  /__arrivals?path=/ep-0   that path's requests in arrival order: { ids, at, status } (parallel arrays)
 *   POST /__control               { path, status?, failRate?, latencyMs? }: how that path answers from now on
 *                                 (status: what it answers, e.g. 503; failRate: this share of requests get a 500)
 *   POST /__reset                 forgets every request and every path's settings
 *   BENCH_RECEIVER_PORT (0 = any), BENCH_RECEIVER_LATENCY_MS (5)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const LATENCY = Number(process.env.BENCH_RECEIVER_LATENCY_MS ?? 5);
const PORT = Number(process.env.BENCH_RECEIVER_PORT ?? 0);

interface PathLog {
  ids: string[];
  at: number[];
  status: number[];
  seen: Set<string>;
}
interface PathMode {
  status: number;
  failRate: number;
  latencyMs: number;
}

let logs = new Map<string, PathLog>();
let modes = new Map<string, PathMode>();
let requests = 0;
let repeats = 0;

const logOf = (path: string): PathLog => {
  let log = logs.get(path);
  if (!log) logs.set(path, (log = { ids: [], at: [], status: [], seen: new Set() }));
  return log;
};

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {});
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

const server = http.createServer((req, res) => {
  const arrived = Date.now();
  const [path, query = ''] = (req.url ?? '/').split('?');
  if (path.startsWith('/__')) {
    if (req.method === 'GET' && path === '/__stats') {
      const paths = Object.fromEntries(
        [...logs.entries()].map(([p, log]) => {
          const byStatus: Record<string, number> = {};
          for (const s of log.status) byStatus[s] = (byStatus[s] ?? 0) + 1;
          return [p, { requests: log.ids.length, unique: log.seen.size, byStatus }];
        }),
      );
      return json(res, 200, { requests, duplicates: repeats, paths });
    }
    if (req.method === 'GET' && path === '/__arrivals') {
      const log = logs.get(new URLSearchParams(query).get('path') ?? '');
      return json(res, 200, { ids: log?.ids ?? [], at: log?.at ?? [], status: log?.status ?? [] });
    }
    if (req.method === 'POST' && path === '/__control') {
      readJson(req).then(
        (body) => {
          const target = String(body.path);
          const mode = modes.get(target) ?? { status: 200, failRate: 0, latencyMs: LATENCY };
          if (typeof body.status === 'number') mode.status = body.status;
          if (typeof body.failRate === 'number') mode.failRate = body.failRate;
          if (typeof body.latencyMs === 'number') mode.latencyMs = body.latencyMs;
          modes.set(target, mode);
          json(res, 200, mode);
        },
        (err: unknown) => json(res, 400, { error: String(err) }),
      );
      return;
    }
    if (req.method === 'POST' && path === '/__reset') {
      logs = new Map();
      modes = new Map();
      requests = 0;
      repeats = 0;
      req.resume();
      return json(res, 200, {});
    }
    return json(res, 404, {});
  }
  const mode = modes.get(path) ?? { status: 200, failRate: 0, latencyMs: LATENCY };
  const status = mode.status !== 200 ? mode.status : mode.failRate > 0 && Math.random() < mode.failRate ? 500 : 200;
  const id = String(req.headers['webhook-id']);
  const log = logOf(path);
  requests++;
  if (log.seen.has(id)) repeats++;
  else log.seen.add(id);
  log.ids.push(id);
  log.at.push(arrived);
  log.status.push(status);
  req.resume();
  req.on('end', () => {
    const answer = () => {
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'unavailable');
    };
    if (mode.latencyMs > 0) setTimeout(answer, mode.latencyMs);
    else answer();
  });
});
server.keepAliveTimeout = 30_000;

server.listen(PORT, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});

process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
});
