/**
 * Webhook receiver for `npm run bench` (BENCH=webhooks), run in its own process so it does not share the worker's CPU.
 * Answers every POST with 204 after BENCH_RECEIVER_LATENCY_MS; counts requests per path and repeats of the same
 * (path, webhook-id), served at GET /__stats. Prints {"url":"..."} once listening.
 *   BENCH_RECEIVER_PORT (0 = any), BENCH_RECEIVER_LATENCY_MS (20)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const LATENCY = Number(process.env.BENCH_RECEIVER_LATENCY_MS ?? 20);
const PORT = Number(process.env.BENCH_RECEIVER_PORT ?? 0);

let requests = 0;
let duplicates = 0;
const perPath = new Map<string, number>();
const seen = new Set<string>();

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests, duplicates, paths: Object.fromEntries(perPath) }));
    return;
  }
  req.resume();
  req.on('end', () => {
    requests++;
    perPath.set(path, (perPath.get(path) ?? 0) + 1);
    const key = `${path} ${String(req.headers['webhook-id'])}`;
    if (seen.has(key)) duplicates++;
    else seen.add(key);
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(204).end();
    }, LATENCY);
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
