// One error class per retry behaviour of a sync (as inngest's NonRetriableError / RetryAfterError). Providers and the
// HTTP client throw these; the sync activities turn them into Temporal failures (activities/integration-failures.ts).

/** The upstream refused the credentials (401, or 403 that is not a rate limit). Never retried: the run fails. */
export class IntegrationAuthError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'IntegrationAuthError';
  }
}

/** The upstream asked us to slow down (429, or GitHub's 403 with x-ratelimit-remaining: 0). Retried after the wait. */
export class RateLimitedError extends Error {
  constructor(
    message: string,
    /** How long the upstream asked us to wait (Retry-After / rate-limit reset); null when it did not say. */
    readonly retryAfterMs: number | null,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/** The upstream failed: 5xx, 408, a timeout, a dropped connection, a body that is not the JSON promised (retryable), or another 4xx (not). */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

/** The integration's configuration cannot work (unknown repository, a path that is not in the answer). Never retried. */
export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderConfigError';
  }
}
