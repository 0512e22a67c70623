/**
 * Standalone fake SMS provider for local runs and load tests from another process.
 * Env: FAKE_PROVIDER_PORT (9090), FAKE_PROVIDER_HOST (0.0.0.0), FAKE_PROVIDER_TOKEN (optional: no auth check when unset),
 * FAKE_PROVIDER_LATENCY_MS, FAKE_PROVIDER_JITTER_MS, FAKE_PROVIDER_ERROR_RATE, FAKE_PROVIDER_TIMEOUT_RATE,
 * FAKE_PROVIDER_GARBAGE_RATE. At runtime: GET /__stats, GET /__deliveries, POST /__control, POST /__reset.
 */
import { z } from 'zod';
import { createLogger } from '../lib/logger';
import { startFakeProvider } from '../fake-provider/fake-provider';

const rate = z.coerce.number().min(0).max(1).default(0);
const EnvSchema = z.object({
  FAKE_PROVIDER_PORT: z.coerce.number().int().min(0).max(65_535).default(9090),
  FAKE_PROVIDER_HOST: z.string().min(1).default('0.0.0.0'),
  FAKE_PROVIDER_TOKEN: z.string().min(1).optional(),
  FAKE_PROVIDER_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  FAKE_PROVIDER_JITTER_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  FAKE_PROVIDER_ERROR_RATE: rate,
  FAKE_PROVIDER_TIMEOUT_RATE: rate,
  FAKE_PROVIDER_GARBAGE_RATE: rate,
});

async function main(): Promise<void> {
  const log = createLogger(process.env.LOG_LEVEL || 'info', { component: 'fake-provider' });
  const raw: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = process.env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    log.fatal({ issues: parsed.error.issues.map((i) => ({ variable: String(i.path[0]), message: i.message })) }, 'invalid configuration');
    process.exitCode = 1;
    return;
  }
  const env = parsed.data;
  const knobs = {
    latencyMs: env.FAKE_PROVIDER_LATENCY_MS,
    jitterMs: env.FAKE_PROVIDER_JITTER_MS,
    errorRate: env.FAKE_PROVIDER_ERROR_RATE,
    timeoutRate: env.FAKE_PROVIDER_TIMEOUT_RATE,
    garbageRate: env.FAKE_PROVIDER_GARBAGE_RATE,
  };
  const provider = await startFakeProvider({
    port: env.FAKE_PROVIDER_PORT,
    host: env.FAKE_PROVIDER_HOST,
    token: env.FAKE_PROVIDER_TOKEN,
    knobs,
  });
  log.info({ url: provider.url, host: env.FAKE_PROVIDER_HOST, auth: env.FAKE_PROVIDER_TOKEN !== undefined, knobs }, 'fake provider listening');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, stats: provider.stats() }, 'fake provider stopping');
    provider.close().then(
      () => log.info('fake provider stopped'),
      (err: unknown) => {
        log.error({ err }, 'fake provider close failed');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(JSON.stringify({ level: 'fatal', msg: 'fake provider failed to start', err: String(err) }));
  process.exitCode = 1;
});
