/**
 * The fake SMS provider's own ceiling on loopback, for `npm run bench` (BENCH=mailing): BENCH_LOAD_CONCURRENCY
 * keep-alive requests in flight against BENCH_LOAD_URL (POST /send/<id>, Bearer BENCH_LOAD_TOKEN) for
 * BENCH_LOAD_SECONDS, from a process of its own. Prints {"requestsPerSecond","ok","errors"} when done.
 */
import http from 'node:http';

const BASE = new URL(process.env.BENCH_LOAD_URL ?? 'http://127.0.0.1:9090');
const TOKEN = process.env.BENCH_LOAD_TOKEN ?? '';
const CONCURRENCY = Number(process.env.BENCH_LOAD_CONCURRENCY ?? 100);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const FIRST_ID = Number(process.env.BENCH_LOAD_FIRST_ID ?? 900_000_000);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
let nextId = FIRST_ID;
let ok = 0;
let errors = 0;

function once(): Promise<void> {
  const id = nextId++;
  const body = JSON.stringify({ id, phone: 79990000000 + (id % 1_000_000), text: 'ceiling' });
  return new Promise((resolve) => {
    const req = http.request(
      { hostname: BASE.hostname, port: BASE.port, path: `/send/${id}`, method: 'POST', agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) ok++;
          else errors++;
          resolve();
        });
      },
    );
    req.on('error', () => (errors++, resolve()));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const end = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) await once();
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify({ requestsPerSecond: Math.round(ok / seconds), ok, errors, concurrency: CONCURRENCY, seconds }));
  agent.destroy();
}

void main();
