// Turns the typed sync errors into Temporal failures: the type names the retry behaviour the workflow's policy knows.
import { ApplicationFailure } from '@temporalio/activity';
import { SecretBoxError } from '../lib/crypto/secret-box';
import { IntegrationAuthError, ProviderConfigError, RateLimitedError, UpstreamError } from '../lib/integrations/errors';

/**
 * Waits longer than this are taken as this (GitHub's reset is at most an hour away; daily quotas say more): the run
 * holds its integration's lock while it waits, so the next scheduled runs are skipped meanwhile.
 */
export const MAX_RETRY_AFTER_MS = 6 * 3_600_000;

const delay = (ms: number | null) => (ms !== null && ms > 0 ? { nextRetryDelay: Math.min(ms, MAX_RETRY_AFTER_MS) } : {});

/** The integration or run disappeared while the workflow ran (deleted): nothing to do. */
export class IntegrationGoneError extends Error {
  override readonly name = 'IntegrationGone';
}

export function asActivityFailure(err: unknown): unknown {
  if (err instanceof IntegrationAuthError) {
    return ApplicationFailure.create({ type: 'IntegrationAuthError', message: `authentication failed: ${err.message}`, nonRetryable: true });
  }
  if (err instanceof ProviderConfigError) return ApplicationFailure.create({ type: 'ProviderConfigError', message: err.message, nonRetryable: true });
  if (err instanceof SecretBoxError) {
    return ApplicationFailure.create({ type: 'CredentialUnreadable', message: `the credentials cannot be decrypted: ${err.message}`, nonRetryable: true });
  }
  if (err instanceof IntegrationGoneError) return ApplicationFailure.create({ type: 'IntegrationGone', message: err.message, nonRetryable: true });
  if (err instanceof RateLimitedError) {
    // Retry-After honoured exactly: the retry policy's backoff is replaced by the upstream's wait for this retry.
    return ApplicationFailure.create({ type: 'RateLimitedError', message: err.message, ...delay(err.retryAfterMs) });
  }
  if (err instanceof UpstreamError) {
    if (!err.retryable) return ApplicationFailure.create({ type: 'UpstreamRequestError', message: err.message, nonRetryable: true });
    return ApplicationFailure.create({ type: 'UpstreamError', message: err.message, ...delay(err.retryAfterMs) });
  }
  return err;
}
