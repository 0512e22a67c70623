import type { Config } from '../config';
import type { DispatchSettings } from '../../workflows/webhook.contract';

/** Each dispatcher's settings from the config (workflows cannot read config themselves). */
export function dispatchSettingsFromConfig(config: Config): Omit<DispatchSettings, 'shard'> {
  return {
    shards: config.WEBHOOK_DISPATCHERS,
    budgetMs: config.WEBHOOK_DISPATCH_BUDGET_MS,
    concurrency: config.WEBHOOK_DISPATCH_CONCURRENCY,
    batchSize: config.WEBHOOK_DISPATCH_BATCH,
    perEndpoint: config.WEBHOOK_DISPATCH_PER_ENDPOINT,
    leaseMs: config.WEBHOOK_DISPATCH_LEASE_MS,
    pollMs: config.WEBHOOK_DISPATCH_POLL_MS,
    breakerThreshold: config.WEBHOOK_BREAKER_FAILURES,
    ...(config.WEBHOOK_RETRY_DELAYS_MS ? { retryDelaysMs: config.WEBHOOK_RETRY_DELAYS_MS } : {}),
  };
}
