/**
 * The mailing bench's stack: an in-memory Temporal dev server, a fresh PostgreSQL database, and as processes of their
 * own (so CPU and memory are each one's): the fake SMS provider, the worker(s) (worker/main.ts) and the API
 * (api/main.ts), all configured through the environment as an operator would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { generateEncryptionKey } from '../../lib/crypto/secret-box';
import { createDb, type Db } from '../../lib/db/connect';
import { runMigrations } from '../../lib/db/migrate';
import { SEARCH_ATTRIBUTE_KEYS } from '../../lib/temporal/search-attributes';
import { resolveTemporalCli } from '../temporal-binaries';

const REPO = path.resolve(__dirname, '../..');
export const BENCH_ADMIN_KEY = `bench-admin-${randomBytes(8).toString('hex')}`;
const PROVIDER_TOKEN = 'bench-token-0123456789';

export interface Proc {
  child: ChildProcess;
  url?: string;
  /** Peak resident set size (MB) since the last resetPeak(), sampled every 250 ms. */
  peakRssMb(): number;
  resetPeak(): void;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** A TCP port free right now on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB, from /proc (null once it is gone). */
function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** User + system CPU seconds of a process, from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
  } catch {
    return 0;
  }
}

/** Runs `script` (a path under the repo) with tsx; when `urlLine`, waits for it to print `"url":"..."`. */
export async function spawnProc(script: string, env: Record<string, string>, urlLine: boolean): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let url: string | undefined;
  const lines = readline.createInterface({ input: child.stdout! });
  if (urlLine) {
    url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
      lines.on('line', (line) => {
        const match = line.match(/"url":"([^"]+)"/);
        if (match) resolve(match[1]);
      });
    });
  } else if (process.env.BENCH_PROCESS_LOG_DIR) {
    // Debugging aid: each process's output to a file of its own.
    const out = fs.createWriteStream(path.join(process.env.BENCH_PROCESS_LOG_DIR, `${path.basename(script, '.ts')}-${child.pid}.log`));
    lines.on('line', (line) => out.write(`${line}\n`));
  } else lines.on('line', () => undefined);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid!) ?? 0)), 250);
  sampler.unref();
  return {
    child,
    url,
    peakRssMb: () => Math.round(Math.max(peak, rssMb(child.pid!) ?? 0)),
    resetPeak: () => (peak = 0),
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    stop: () =>
      new Promise((resolve) => {
        clearInterval(sampler);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', () => (clearTimeout(kill), resolve()));
        child.kill('SIGTERM');
      }),
  };
}

export interface MailingStack {
  db: Db;
  dbUrl: string;
  env: TestWorkflowEnvironment;
  provider: Proc;
  /** The environment a worker or API process gets (the caller adds SEND_* knobs). */
  processEnv(extra?: Record<string, string>): Record<string, string>;
  startWorkers(count: number, extra?: Record<string, string>): Promise<Proc[]>;
  startApi(extra?: Record<string, string>): Promise<Proc & { url: string }>;
  close(): Promise<void>;
}

export async function startMailingStack(adminUrl: string, providerLatencyMs: number): Promise<MailingStack> {
  const dbName = `relay_bench_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dbUrl = url.toString();
  const db = createDb(dbUrl, { max: 5 });
  await runMigrations(db);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: await resolveTemporalCli() }, searchAttributes: SEARCH_ATTRIBUTE_KEYS, ip: '127.0.0.1' },
  });
  const provider = await spawnProc(
    'scripts/fake-provider.ts',
    { FAKE_PROVIDER_PORT: '0', FAKE_PROVIDER_HOST: '127.0.0.1', FAKE_PROVIDER_TOKEN: PROVIDER_TOKEN, FAKE_PROVIDER_LATENCY_MS: String(providerLatencyMs), LOG_LEVEL: 'info' /* it prints its URL at info */ },
    true,
  );
  const encryptionKey = generateEncryptionKey();
  const procs: Proc[] = [];
  const processEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    DATABASE_URL: dbUrl,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: 'bench',
    WEBHOOK_TASK_QUEUE: 'bench-webhooks',
    ENCRYPTION_KEY: encryptionKey,
    ADMIN_API_KEY: BENCH_ADMIN_KEY,
    PROVIDER_URL: provider.url!,
    PROVIDER_TOKEN,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: process.env.BENCH_PROCESS_LOG_LEVEL ?? 'warn',
    ...extra,
  });
  return {
    db,
    dbUrl,
    env,
    provider,
    processEnv,
    async startWorkers(count, extra) {
      const started: Proc[] = [];
      for (let i = 0; i < count; i++) started.push(await spawnProc('worker/main.ts', processEnv(extra), false));
      procs.push(...started);
      return started;
    },
    async startApi(extra) {
      const port = await freePort();
      const api = await spawnProc('api/main.ts', processEnv({ API_PORT: String(port), API_HOST: '127.0.0.1', ...extra }), false);
      procs.push(api);
      const apiUrl = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const ok = await fetch(`${apiUrl}/health`).then((r) => r.ok, () => false);
        if (ok) break;
        if (i > 600 || api.child.exitCode !== null) throw new Error('the API process did not come up');
        await new Promise((r) => setTimeout(r, 100));
      }
      return Object.assign(api, { url: apiUrl });
    },
    async close() {
      for (const p of procs) await p.stop();
      await provider.stop();
      await env.teardown();
      await db.destroy();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    },
  };
}
