/**
 * The client import half of `npm run bench` (BENCH=import), through the real API and worker, each in its own process
 * (as docker compose runs them), on a fresh PostgreSQL database and an in-memory Temporal dev server:
 * 1. writes a BENCH_IMPORT_ROWS-row CSV (default 1,000,000; every zone, a third without operator_code,
 *    BENCH_IMPORT_BAD_PERMILLE (1) ‰ bad rows) to a temporary file, streamed to disk;
 * 2. POSTs it to /clients/import streamed from disk and waits for the import to complete: upload time (until the
 *    202, the file read and staged), workflow time (202 to completed), rows/s end to end, the counts;
 * 3. the same file again (BENCH_IMPORT_AGAIN, default true): every row an update; then a dry run of it;
 * 4. GET /clients/export of every client: time and rows/s;
 * and the peak RSS (VmHWM) and CPU time of the API and the worker process, and the workflow's history length.
 * Run on its own: `node --import tsx scripts/bench-import.ts` (BENCH_DATABASE_URL as bench.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { startApiServer } from '../api/start-api';
import { loadConfig } from '../lib/config';
import { generateEncryptionKey } from '../lib/crypto/secret-box';
import { createDb } from '../lib/db/connect';
import { runMigrations } from '../lib/db/migrate';
import { createLogger } from '../lib/logger';
import { SEARCH_ATTRIBUTE_KEYS } from '../lib/temporal/search-attributes';
import { TIME_ZONES } from '../lib/time/zones';
import { startWorker } from '../worker/start-worker';
import { resolveTemporalCli } from './temporal-binaries';

const KEY = 'bench-import-admin-key-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
const mb = (bytes: number) => Math.round(bytes / 1024 ** 2);

export interface ImportBenchKnobs {
  rows: number;
  badPermille: number;
  again: boolean;
}

export function importBenchKnobs(env: NodeJS.ProcessEnv = process.env): ImportBenchKnobs {
  return {
    rows: Number(env.BENCH_IMPORT_ROWS ?? 1_000_000),
    badPermille: Number(env.BENCH_IMPORT_BAD_PERMILLE ?? 1),
    again: (env.BENCH_IMPORT_AGAIN ?? 'true') !== 'false',
  };
}

/** The CSV, written with backpressure (never built in memory). */
async function writeCsv(file: string, knobs: ImportBenchKnobs): Promise<void> {
  const out = createWriteStream(file);
  const badEvery = knobs.badPermille > 0 ? Math.round(1000 / knobs.badPermille) : 0;
  let chunk = 'phone,operator_code,tag,timezone\n';
  for (let i = 0; i < knobs.rows; i++) {
    if (badEvery && i % badEvery === badEvery - 1) chunk += `7${String(i).padStart(10, '0')},9x9,bad,Mars/Base\n`;
    else chunk += `7${String(i).padStart(10, '0')},${i % 3 === 0 ? '' : 900 + (i % 100)},tag${i % 20},${TIME_ZONES[i % TIME_ZONES.length]}\n`;
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** POSTs the file streamed from disk; resolves with the answer once it came. */
function postFile(urlAndQuery: string, file: string, size: number): Promise<{ status: number; body: any }> {
  const [url, query = ''] = urlAndQuery.split('?');
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/v1/clients/import${query ? `?${query}` : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/csv', 'content-length': String(size) },
    });
    req.on('response', async (res) => {
      let text = '';
      for await (const part of res) text += part;
      resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function getJson(url: string): Promise<any> {
  return (await fetch(url, { headers: { authorization: `Bearer ${KEY}` } })).json();
}

interface Child {
  proc: ChildProcess;
  url?: string;
}

/** The API or the worker in a process of its own (this script, in role mode), ready when it says so. */
async function spawnRole(role: 'api' | 'worker', env: Record<string, string>): Promise<Child> {
  const proc = fork(__filename, [], { execArgv: ['--import', 'tsx', '--expose-gc'], env: { ...process.env, ...env, BENCH_IMPORT_ROLE: role }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ url?: string }>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${role} exited (${code})`)));
    proc.once('message', (m) => resolve(m as { url?: string }));
  });
  return { proc, url: ready.url };
}

/** Peak RSS (VmHWM), RSS now, live heap (after a full GC) and CPU time of a child, asked over IPC. */
async function usage(child: Child): Promise<{ peakRssMb: number; rssMb: number; liveHeapMb: number; cpuS: number }> {
  child.proc.send('usage');
  const [m] = (await once(child.proc, 'message')) as [{ hwm: number; rss: number; heap: number; cpuMs: number }];
  return { peakRssMb: mb(m.hwm), rssMb: mb(m.rss), liveHeapMb: mb(m.heap), cpuS: seconds(m.cpuMs) };
}

async function importOnce(api: string, file: string, size: number, label: string, worker: Child, apiChild: Child, client: TestWorkflowEnvironment['client'], query = '') {
  const started = Date.now();
  const posted = await postFile(`${api}${query}`, file, size);
  if (posted.status !== 202) throw new Error(`${label}: ${posted.status} ${JSON.stringify(posted.body)}`);
  const uploaded = Date.now();
  let row: any;
  let samples = 0;
  for (;;) {
    row = await getJson(`${api}/api/v1/clients/imports/${posted.body.id}`);
    samples++;
    if (row.status === 'completed' || row.status === 'failed') break;
    await sleep(250);
  }
  const ended = Date.now();
  if (row.status !== 'completed') throw new Error(`${label}: ${row.status} ${row.error}`);
  const history = await client.workflow.getHandle(`client-import-${row.id}`).fetchHistory();
  return {
    run: label,
    rows: row.rows_read,
    megabytes: mb(size),
    seconds: seconds(ended - started),
    rowsPerSecond: Math.round(row.rows_read / ((ended - started) / 1000)),
    uploadSeconds: seconds(uploaded - started),
    workflowSeconds: seconds(ended - uploaded),
    inserted: row.inserted,
    updated: row.updated,
    rejected: row.rejected,
    progressReadsWhileRunning: samples,
    historyEvents: history.events?.length ?? 0,
    api: await usage(apiChild),
    worker: await usage(worker),
  };
}

async function exportAll(api: string) {
  const started = Date.now();
  const res = await fetch(`${api}/api/v1/clients/export`, { headers: { authorization: `Bearer ${KEY}` } });
  let lines = 0;
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) for (const byte of part) if (byte === 10) lines++;
  const ms = Date.now() - started;
  return { run: 'export', rows: lines - 1, seconds: seconds(ms), rowsPerSecond: Math.round((lines - 1) / (ms / 1000)) };
}

/** Runs the import bench on a database and a dev server of its own; prints one JSON line per run. */
export async function runImportBench(knobs: ImportBenchKnobs = importBenchKnobs()): Promise<void> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `relay_bench_import_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-bench-import-'));
  let env: TestWorkflowEnvironment | undefined;
  const children: Child[] = [];
  try {
    const db = createDb(url.toString(), { max: 2 });
    await runMigrations(db);
    await db.destroy();
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: await resolveTemporalCli() }, searchAttributes: SEARCH_ATTRIBUTE_KEYS, ip: '127.0.0.1' },
    });
    const common = {
      DATABASE_URL: url.toString(), TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: 'bench-import', ENCRYPTION_KEY: generateEncryptionKey(),
      ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn', API_PORT: '0', WORKER_QUEUES: 'mailings', PROVIDER_URL: 'http://127.0.0.1:9', RATE_LIMIT_PER_MINUTE: '0',
    };
    const worker = await spawnRole('worker', common);
    children.push(worker);
    const api = await spawnRole('api', common);
    children.push(api);
    console.log(JSON.stringify({ run: 'started', api: await usage(api), worker: await usage(worker) }));
    const file = path.join(dir, 'clients.csv');
    const written = Date.now();
    await writeCsv(file, knobs);
    const { size } = await stat(file);
    console.log(JSON.stringify({ run: 'generate', rows: knobs.rows, megabytes: mb(size), seconds: seconds(Date.now() - written), cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))) }));
    console.log(JSON.stringify(await importOnce(api.url!, file, size, 'import', worker, api, env.client)));
    if (knobs.again) console.log(JSON.stringify(await importOnce(api.url!, file, size, 'import-again (all updates)', worker, api, env.client)));
    console.log(JSON.stringify(await importOnce(api.url!, file, size, 'dry-run', worker, api, env.client, '?dry_run=true')));
    console.log(JSON.stringify({ ...(await exportAll(api.url!)), api: await usage(api) }));
  } finally {
    for (const child of children.reverse()) {
      child.proc.kill('SIGTERM');
      await once(child.proc, 'exit').catch(() => undefined);
    }
    await env?.teardown();
    await rm(dir, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

/** Role mode: the API or the worker of the bench, answering `usage` with its VmHWM and CPU time. */
async function serveRole(role: string): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const db = createDb(config.DATABASE_URL!, { max: config.DB_POOL_MAX });
  const running = role === 'api' ? await startApiServer({ config, db, logger }) : await startWorker({ config, db, logger, skipSchedules: true });
  process.on('message', async () => {
    const { readFile } = await import('node:fs/promises');
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
    const cpu = process.cpuUsage();
    const rss = process.memoryUsage().rss;
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ hwm: hwm || rss, rss, heap: process.memoryUsage().heapUsed, cpuMs: (cpu.user + cpu.system) / 1000 });
  });
  process.once('SIGTERM', async () => {
    await running.close();
    await db.destroy();
    process.exit(0);
  });
  process.send!({ url: 'url' in running ? running.url : undefined });
}

if (require.main === module) {
  const role = process.env.BENCH_IMPORT_ROLE;
  (role ? serveRole(role) : runImportBench()).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
