/**
 * Load generator for `npm run bench` (BENCH=webhooks): POSTs events to the API (POST /api/v1/webhooks/events, as a
 * user does) at a fixed pace, in its own process so its CPU is not the worker's. Each event is scheduled at
 * start + i / rate (open loop); at most BENCH_PUBLISH_CONCURRENCY requests are in flight, and an event that has to wait
 * for one counts as late. Prints one JSON line with what happened when done:
 *   {"sent","accepted","rejected429","errors","seconds","eventsPerSecond","responseMs":{p50,p99,max},"lateMs":{max},"cpuSeconds"}
 * Env: BENCH_PUBLISH_URL (the API's base URL), BENCH_PUBLISH_KEY (an operator API key), BENCH_PUBLISH_TYPE (a
 * registered event type), BENCH_PUBLISH_RATE (events/s), BENCH_PUBLISH_SECONDS, BENCH_PUBLISH_CONCURRENCY (64).
 */
import http from 'node:http';

const BASE = process.env.BENCH_PUBLISH_URL ?? '';
const KEY = process.env.BENCH_PUBLISH_KEY ?? '';
const TYPE = process.env.BENCH_PUBLISH_TYPE ?? 'bench.event';
const RATE = Number(process.env.BENCH_PUBLISH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_PUBLISH_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_PUBLISH_CONCURRENCY ?? 64);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const url = new URL('/api/v1/webhooks/events', BASE);

function post(i: number): Promise<number> {
  const body = Buffer.from(JSON.stringify({ type: TYPE, payload: { i } }));
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length), authorization: `Bearer ${KEY}` },
    });
    req.on('error', () => resolve(0));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.end(body);
  });
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);

async function main(): Promise<void> {
  const total = Math.round(RATE * SECONDS);
  const started = Date.now();
  const times: number[] = [];
  const statuses = new Map<number, number>();
  let inFlight = 0;
  let maxLate = 0;
  let free: (() => void) | null = null;
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    while (inFlight >= CONCURRENCY) await new Promise<void>((r) => (free = r));
    maxLate = Math.max(maxLate, Date.now() - due);
    inFlight++;
    const sentAt = performance.now();
    running.push(
      post(i).then((status) => {
        times.push(performance.now() - sentAt);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        inFlight--;
        const f = free;
        free = null;
        f?.();
      }),
    );
  }
  await Promise.all(running);
  const seconds = (Date.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  const accepted = statuses.get(202) ?? 0;
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({
      sent: total,
      accepted,
      rejected429: statuses.get(429) ?? 0,
      errors: total - accepted - (statuses.get(429) ?? 0),
      statuses: Object.fromEntries(statuses),
      seconds: Number(seconds.toFixed(1)),
      eventsPerSecond: Math.round(total / seconds),
      responseMs: { p50: r(pct(times, 0.5)), p99: r(pct(times, 0.99)), max: r(times[times.length - 1] ?? null) },
      lateMs: { max: Math.round(maxLate) },
      // Its own CPU time (user + system): the bench cannot read it from /proc once this process is gone.
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
    })}\n`,
  );
  agent.destroy();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
