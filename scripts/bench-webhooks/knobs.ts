/** The webhook bench's knobs (BENCH_* in the environment, documented in ./index.ts) and what every file shares. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const SCENARIOS = ['saturation', 'latency', 'temporal', 'dead', 'crash'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type DatabaseKind = 'pglite' | 'postgres';
export const EVENT_TYPE = 'bench.event';
export const ADMIN_KEY = `bench-admin-${randomBytes(12).toString('hex')}`;
/** The repository's root: scripts/bench-webhooks/ is two levels down. */
export const REPO = path.resolve(__dirname, '..', '..');
export type Report = Record<string, unknown>;

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const num = (env: NodeJS.ProcessEnv, name: string, fallback: number) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]));

export interface WebhookBenchKnobs {
  scenarios: Scenario[];
  databases: DatabaseKind[];
  adminUrl: string;
  receiverLatencyMs: number;
  saturationEndpoints: number[];
  saturationSeconds: number;
  saturationWarmupSeconds: number;
  saturationBacklog: number;
  saturationDrain: number;
  publishConcurrency: number;
  latencyRate: number;
  latencySeconds: number;
  latencyEndpoints: number;
  temporalEvents: number;
  temporalEndpoints: number;
  temporalRate: number;
  temporalRetryDelaysMs: string;
  temporalIdleSeconds: number;
  failRate: number;
  deadRate: number;
  deadBaselineSeconds: number;
  deadMinutes: number;
  deadDrainTimeoutMinutes: number;
  crashDeliveries: number;
  crashEndpoints: number;
  crashLeaseMs: number;
  crashAt: number;
}

export function webhookBenchKnobs(env: NodeJS.ProcessEnv = process.env): WebhookBenchKnobs {
  const scenarios = list(env.BENCH_WEBHOOK_SCENARIOS || SCENARIOS.join(','));
  for (const s of scenarios) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`BENCH_WEBHOOK_SCENARIOS: unknown '${s}' (${SCENARIOS.join(', ')})`);
  const database = env.BENCH_DATABASE || 'both';
  if (!['pglite', 'postgres', 'both'].includes(database)) throw new Error(`BENCH_DATABASE must be pglite, postgres or both (got '${database}')`);
  return {
    scenarios: scenarios as Scenario[],
    databases: database === 'both' ? ['pglite', 'postgres'] : [database as DatabaseKind],
    adminUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    receiverLatencyMs: num(env, 'BENCH_RECEIVER_LATENCY_MS', 5),
    saturationEndpoints: list(env.BENCH_SATURATION_ENDPOINTS || '1,5').map(Number),
    saturationSeconds: num(env, 'BENCH_SATURATION_SECONDS', 30),
    saturationWarmupSeconds: num(env, 'BENCH_SATURATION_WARMUP_SECONDS', 5),
    saturationBacklog: num(env, 'BENCH_SATURATION_BACKLOG', 20_000),
    saturationDrain: num(env, 'BENCH_SATURATION_DRAIN', 20_000),
    publishConcurrency: num(env, 'BENCH_PUBLISH_CONCURRENCY', 8),
    latencyRate: num(env, 'BENCH_LATENCY_RATE', 500),
    latencySeconds: num(env, 'BENCH_LATENCY_SECONDS', 30),
    latencyEndpoints: num(env, 'BENCH_LATENCY_ENDPOINTS', 1),
    temporalEvents: num(env, 'BENCH_TEMPORAL_EVENTS', 2_000),
    temporalEndpoints: num(env, 'BENCH_TEMPORAL_ENDPOINTS', 5),
    temporalRate: num(env, 'BENCH_TEMPORAL_RATE', 100),
    temporalRetryDelaysMs: env.BENCH_TEMPORAL_RETRY_DELAYS_MS || '1000,2000,4000,8000,15000,30000,60000',
    temporalIdleSeconds: num(env, 'BENCH_TEMPORAL_IDLE_SECONDS', 120),
    failRate: num(env, 'BENCH_FAIL_RATE', 0.1),
    deadRate: num(env, 'BENCH_DEAD_RATE', 200),
    deadBaselineSeconds: num(env, 'BENCH_DEAD_BASELINE_SECONDS', 60),
    deadMinutes: num(env, 'BENCH_DEAD_MINUTES', 10),
    deadDrainTimeoutMinutes: num(env, 'BENCH_DEAD_DRAIN_TIMEOUT_MINUTES', 20),
    crashDeliveries: num(env, 'BENCH_CRASH_DELIVERIES', 20_000),
    crashEndpoints: num(env, 'BENCH_CRASH_ENDPOINTS', 5),
    crashLeaseMs: num(env, 'BENCH_CRASH_LEASE_MS', 10_000),
    crashAt: num(env, 'BENCH_CRASH_AT', 0.4),
  };
}
