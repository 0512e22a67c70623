// One delivery attempt: load, sign, POST, log, and judge the endpoint's health.
import { isIP } from 'node:net';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { SecretBoxError, type SecretBox } from '../lib/crypto/secret-box';
import type { Db } from '../lib/db/connect';
import { findAttempt, loadDeliveryContext, recordAttempt, setDeliveryStatus } from '../lib/db/webhook-delivery.repository';
import { activeSecrets, disableEndpoint, findEndpoint, reserveRateSlot } from '../lib/db/webhook-endpoint.repository';
import type { WebhookAttemptRow, WebhookEndpointRow } from '../lib/db/webhook-tables';
import type { Logger } from '../lib/logger';
import type { WebhookWorkflowOptions } from '../lib/temporal/webhook-workflows';
import { assertSafeUrl, guardedLookup, UnsafeUrlError, type UrlPolicy } from '../lib/net/ssrf';
import type { EventPublisher } from '../lib/webhooks/publisher';
import { parseRetryAfter } from '../lib/webhooks/retry-after';
import { openHeaders, sendableHeadersProblem } from '../lib/webhooks/custom-headers';
import { webhookHeaders, webhookMessageId } from '../lib/webhooks/signing';
import type { AttemptInput, AttemptResult } from '../workflows/webhook.contract';
import { postWebhook, type HttpAttempt } from './webhook-transport';

/** An endpoint failing every attempt for this long (with at least AUTO_DISABLE_MIN_FAILURES failures) is disabled. */
export const AUTO_DISABLE_AFTER_MS = 5 * 24 * 3_600_000;
export const AUTO_DISABLE_MIN_FAILURES = 5;
/** A rate-limit slot further away than this is waited for by the workflow (a durable timer), not the activity. */
const MAX_RATE_WAIT_MS = 10_000;

export interface WebhookActivityDeps {
  db: Db;
  logger: Logger;
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  events: EventPublisher;
  temporal: { client: Client; options: WebhookWorkflowOptions };
}

export const GONE_REASON = 'the endpoint answered 410 Gone';
export const STREAK_REASON = 'every delivery failed since';

const skipped = (error: string, deliveryStatus: 'failed' | 'cancelled'): AttemptResult => ({
  outcome: 'skipped',
  statusCode: null,
  durationMs: 0,
  error,
  responseBody: null,
  deliveryStatus,
});

/** The body every attempt of an event carries (identical across attempts, so signatures stay comparable). */
export function webhookBody(event: { type: string; created_at: Date; payload: unknown }): string {
  return JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data: event.payload });
}

export async function attemptDelivery(deps: WebhookActivityDeps, input: AttemptInput): Promise<AttemptResult> {
  const { db, logger } = deps;
  const ctx = await loadDeliveryContext(db, input.deliveryId);
  if (!ctx) return skipped('delivery deleted', 'cancelled');
  const { delivery, event, endpoint } = ctx;
  if (!endpoint) {
    await setDeliveryStatus(db, delivery.id, 'cancelled', 'endpoint deleted');
    return skipped('endpoint deleted', 'cancelled');
  }
  // Retried after its write (the worker died before reporting): answer what was logged and finish what follows
  // from it (both idempotent), never send twice.
  const logged = await findAttempt(db, input.deliveryId, input.attempt);
  if (logged) return followUp(deps, endpoint, delivery.id, fromLog(logged));
  if (!endpoint.enabled && input.trigger !== 'test') {
    await setDeliveryStatus(db, delivery.id, 'failed', `endpoint disabled: ${endpoint.disabled_reason ?? 'disabled'}`);
    return skipped('endpoint disabled', 'failed');
  }
  if (event.payload_deleted_at) {
    await setDeliveryStatus(db, delivery.id, 'failed', 'payload deleted by retention');
    return skipped('payload deleted by retention', 'failed');
  }
  if (endpoint.rate_limit_per_s && !input.slotReserved) {
    const waitMs = await reserveRateSlot(db, endpoint.id, endpoint.rate_limit_per_s);
    // A far slot is waited for by the workflow (a durable timer), which then sends without reserving again.
    if (waitMs > MAX_RATE_WAIT_MS) return { outcome: 'throttled', statusCode: null, durationMs: 0, error: null, responseBody: null, retryInMs: waitMs };
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }

  const startedAt = new Date();
  // The database reads happen first and outside any catch: a database that is down is infrastructure, and the activity
  // retries. Everything after them concerns this one request, and whatever goes wrong there is a failed attempt.
  const sealedSecrets = await activeSecrets(db, endpoint.id);
  const request = buildRequest(deps.secretBox, endpoint, event, sealedSecrets);
  const http: HttpAttempt = 'error' in request ? { kind: 'network', error: request.error, durationMs: 0 } : await send(deps.urlPolicy, endpoint, request);
  const result = judge(http, startedAt.getTime());
  const fresh = await recordAttempt(db, {
    deliveryId: delivery.id,
    eventId: event.id,
    endpointId: endpoint.id,
    attempt: input.attempt,
    trigger: input.trigger,
    startedAt,
    durationMs: result.durationMs,
    outcome: result.outcome === 'succeeded' ? 'succeeded' : 'failed',
    statusCode: result.statusCode,
    retryAfterMs: result.failure?.retryAfterMs ?? null,
    error: result.error,
    responseBody: result.responseBody,
    run: Context.current().info.workflowExecution,
  });
  if (!fresh) {
    // Another run of this very attempt (an activity retried while the first still ran) logged it first: its word counts.
    const first = await findAttempt(db, input.deliveryId, input.attempt);
    if (first) return followUp(deps, endpoint, delivery.id, fromLog(first));
  }
  logger.info(
    { deliveryId: delivery.id, eventId: event.id, endpointId: endpoint.id, attempt: input.attempt, outcome: result.outcome, statusCode: result.statusCode, durationMs: result.durationMs, error: result.error },
    'webhook attempt',
  );
  return followUp(deps, endpoint, delivery.id, result);
}

/** What a logged attempt means for the endpoint: 410 disables it, and so does a 5-day failure streak. */
async function followUp(deps: WebhookActivityDeps, endpoint: WebhookEndpointRow, deliveryId: number, result: AttemptResult): Promise<AttemptResult> {
  if (result.outcome === 'succeeded') return result;
  let reason: string | null = null;
  if (result.statusCode === 410) reason = GONE_REASON;
  else {
    const streak = await findEndpoint(deps.db, endpoint.id);
    if (
      streak?.failing_since &&
      streak.failure_count >= AUTO_DISABLE_MIN_FAILURES &&
      Date.now() - streak.failing_since.getTime() >= AUTO_DISABLE_AFTER_MS
    ) {
      reason = `${STREAK_REASON} ${streak.failing_since.toISOString()} (${streak.failure_count} failures)`;
    }
  }
  if (reason === null || !(await disable(deps, endpoint, reason))) return result;
  await setDeliveryStatus(deps.db, deliveryId, 'failed');
  return { ...result, outcome: 'disabled' };
}

/** What one attempt sends: the signed body and every header, Relay's and the endpoint's. */
export interface WebhookRequestParts {
  body: string;
  headers: Record<string, string>;
}

const describeError = (err: unknown): string =>
  err instanceof Error ? `${'code' in err && typeof err.code === 'string' ? `${err.code} ` : ''}${err.message}` : String(err);

/**
 * The signed request, or why it cannot be made: a secret or header value another ENCRYPTION_KEY sealed, a stored header
 * Node would refuse (saved before the API checked them), a malformed secret. No I/O, so nothing here can heal by
 * retrying the activity: every error, even an unexpected one, comes back as the reason for a failed attempt.
 */
export function buildRequest(
  box: SecretBox,
  endpoint: WebhookEndpointRow,
  event: { id: number; type: string; created_at: Date; payload: unknown },
  sealedSecrets: string[],
): WebhookRequestParts | { error: string } {
  try {
    if (sealedSecrets.length === 0) return { error: 'the endpoint has no signing secret' };
    let secrets: string[];
    try {
      secrets = sealedSecrets.map((sealed) => box.open(sealed));
    } catch (err) {
      if (err instanceof SecretBoxError) return { error: `cannot open the signing secret: ${err.message}` };
      throw err;
    }
    const custom = openHeaders(box, endpoint);
    const [unreadable] = custom.unreadable;
    if (unreadable) return { error: `cannot open the custom header ${unreadable.name}: ${unreadable.reason}` };
    const refused = sendableHeadersProblem(custom.headers);
    if (refused !== null) return { error: `not sent: ${refused}` };
    const body = webhookBody(event);
    const signed = webhookHeaders(webhookMessageId(event.id), Math.floor(Date.now() / 1000), body, secrets);
    return { body, headers: { ...custom.headers, ...signed } };
  } catch (err) {
    return { error: `could not build the request: ${describeError(err)}` };
  }
}

/**
 * Sends the request. An error thrown on the way concerns this request only (a stored URL that no longer parses, a
 * literal address the policy refuses), so it is a failed attempt, never an activity failure.
 */
export async function send(policy: UrlPolicy, endpoint: WebhookEndpointRow, request: WebhookRequestParts): Promise<HttpAttempt> {
  try {
    const url = new URL(endpoint.url);
    if (policy.httpsOnly && url.protocol !== 'https:') return { kind: 'network', error: 'refused: https is required', durationMs: 0 };
    // Literal addresses never reach the lookup: check them here. Names are checked after DNS, inside the connection.
    if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) await assertSafeUrl(endpoint.url, policy);
    return await postWebhook({ url: endpoint.url, headers: request.headers, body: request.body, timeoutMs: endpoint.timeout_ms, lookup: guardedLookup(policy) });
  } catch (err) {
    if (err instanceof UnsafeUrlError) return { kind: 'network', error: `refused: ${err.reason}`, durationMs: 0 };
    return { kind: 'network', error: `not sent: ${describeError(err)}`, durationMs: 0 };
  }
}

export function judge(http: HttpAttempt, startedAtMs: number): AttemptResult {
  if (http.kind !== 'response') {
    return {
      outcome: 'failed',
      statusCode: null,
      durationMs: http.durationMs,
      error: http.error,
      responseBody: null,
      failure: { kind: http.kind, statusCode: null, retryAfterMs: null },
    };
  }
  const ok = http.status >= 200 && http.status < 300;
  const retryAfterMs = http.status === 429 || http.status === 503 ? parseRetryAfter(http.retryAfter, startedAtMs + http.durationMs) : null;
  return {
    outcome: ok ? 'succeeded' : 'failed',
    statusCode: http.status,
    durationMs: http.durationMs,
    error: ok ? null : `HTTP ${http.status}`,
    responseBody: http.body,
    ...(ok ? {} : { failure: { kind: 'http' as const, statusCode: http.status, retryAfterMs } }),
  };
}

function fromLog(row: WebhookAttemptRow): AttemptResult {
  const base = { statusCode: row.status_code, durationMs: row.duration_ms, error: row.error, responseBody: row.response_body };
  if (row.outcome === 'succeeded') return { outcome: 'succeeded', ...base };
  const kind = row.status_code !== null ? 'http' : row.error?.startsWith('no answer within') ? 'timeout' : 'network';
  return { outcome: 'failed', ...base, failure: { kind, statusCode: row.status_code, retryAfterMs: row.retry_after_ms } };
}

/**
 * Disables the endpoint for `reason` and publishes `endpoint.disabled` once: the key comes from the row's disabled_at,
 * so a retry after a failed publish publishes it (once) instead of losing it. False when the endpoint is not disabled
 * for this kind of reason (a user disabled it, or it is gone).
 */
export async function disable(deps: WebhookActivityDeps, endpoint: WebhookEndpointRow, reason: string): Promise<boolean> {
  const row = await disableEndpoint(deps.db, endpoint.id, reason);
  const kind = reason.startsWith(STREAK_REASON) ? STREAK_REASON : reason;
  if (!row || row.enabled || !row.disabled_at || !row.disabled_reason?.startsWith(kind)) return false;
  deps.logger.warn({ endpointId: endpoint.id, reason: row.disabled_reason }, 'webhook endpoint disabled');
  await deps.events.publishSystem(
    'endpoint.disabled',
    { endpointId: row.id, url: row.url, reason: row.disabled_reason, disabledAt: row.disabled_at.toISOString() },
    { idempotencyKey: `endpoint.disabled:${row.id}:${row.disabled_at.getTime()}`, excludeEndpointId: row.id },
  );
  return true;
}
