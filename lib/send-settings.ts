import type { Config } from './config';
import type { SendSettings } from '../workflows/mailing.contract';

/** Sending knobs handed to each mailing workflow (workflows cannot read config themselves). */
export function sendSettingsFromConfig(config: Config): SendSettings {
  const rounds = Math.ceil(config.SEND_BATCH_SIZE / config.SEND_CONCURRENCY);
  return {
    batchSize: config.SEND_BATCH_SIZE,
    concurrency: config.SEND_CONCURRENCY,
    parallelism: config.SEND_PARALLELISM,
    maxAttempts: config.SEND_MAX_ATTEMPTS,
    retryBaseMs: config.SEND_RETRY_BASE_MS,
    // A claimed batch must be finished (worst case: every call times out) well before its lease runs out.
    leaseMs: config.SEND_LEASE_MS ?? Math.max(30_000, 2 * rounds * config.PROVIDER_TIMEOUT_MS),
    activityBudgetMs: config.SEND_ACTIVITY_BUDGET_MS,
    providerTimeoutMs: config.PROVIDER_TIMEOUT_MS,
    providerDedupes: config.PROVIDER_DEDUPES_BY_ID,
  };
}
