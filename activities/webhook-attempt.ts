// One delivery attempt: load, sign, POST, log, and judge the endpoint's health.
import { isIP } from 'node:net';
import type { Client } from '@temporalio/client';
import type { SecretBox } from '../lib/crypto/secret-box';
import type { Db } from '../lib/db/connect';
import { findAttempt, loadDeliveryContext, recordAttempt, setDeliveryStatus } from '../lib/db/webhook-delivery.repository';
import {
  activeSecrets,
  disableEndpoint,
  recordEndpointFailure,
  recordEndpointSuccess,
  reserveRateSlot,
} from '../lib/db/webhook-endpoint.repository';
import type { WebhookAttemptRow, WebhookEndpointRow } from '../lib/db/webhook-tables';
import type { Logger } from '../lib/logger';
import { assertSafeUrl, guardedLookup, UnsafeUrlError, type UrlPolicy } from '../lib/net/ssrf';
import type { EventPublisher } from '../lib/webhooks/publisher';
import { parseRetryAfter } from '../lib/webhooks/retry-after';
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
  temporal: { client: Client; options: import('../lib/temporal/webhook-workflows').WebhookWorkflowOptions };
}

const skipped = (error: string): AttemptResult => ({ outcome: 'skipped', statusCode: null, durationMs: 0, error, responseBody: null });

/** The body every attempt of an event carries (identical across attempts, so signatures stay comparable). */
export function webhookBody(event: { type: string; created_at: Date; payload: unknown }): string {
  return JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data: event.payload });
}

export async function attemptDelivery(deps: WebhookActivityDeps, input: AttemptInput): Promise<AttemptResult> {
  const { db, logger } = deps;
  // Retried after its write (the worker died before reporting): answer what was logged, never send twice.
  const logged = await findAttempt(db, input.deliveryId, input.attempt);
  if (logged) return fromLog(logged);
  const ctx = await loadDeliveryContext(db, input.deliveryId);
  if (!ctx) return skipped('delivery deleted');
  const { delivery, event, endpoint } = ctx;
  const log = logger.child({ deliveryId: delivery.id, eventId: event.id, endpointId: delivery.endpoint_id, attempt: input.attempt });
  if (!endpoint) {
    await setDeliveryStatus(db, delivery.id, 'cancelled', 'endpoint deleted');
    return skipped('endpoint deleted');
  }
  if (!endpoint.enabled && input.trigger !== 'test') {
    await setDeliveryStatus(db, delivery.id, 'failed', `endpoint disabled: ${endpoint.disabled_reason ?? 'disabled'}`);
    return skipped('endpoint disabled');
  }
  if (event.payload_deleted_at) {
    await setDeliveryStatus(db, delivery.id, 'failed', 'payload deleted by retention');
    return skipped('payload deleted by retention');
  }
  if (endpoint.rate_limit_per_s) {
    const slot = await reserveRateSlot(db, endpoint.id, endpoint.rate_limit_per_s, MAX_RATE_WAIT_MS);
    if ('retryInMs' in slot) return { outcome: 'throttled', statusCode: null, durationMs: 0, error: null, responseBody: null, retryInMs: slot.retryInMs };
    if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
  }

  const secrets = (await activeSecrets(db, endpoint.id)).map((sealed) => deps.secretBox.open(sealed));
  const body = webhookBody(event);
  const signed = webhookHeaders(webhookMessageId(event.id), Math.floor(Date.now() / 1000), body, secrets);
  const startedAt = new Date();
  const http = await send(deps.urlPolicy, endpoint, { ...endpoint.headers, ...signed }, body);
  const result = judge(http, startedAt.getTime());
  await recordAttempt(db, {
    deliveryId: delivery.id,
    eventId: event.id,
    endpointId: endpoint.id,
    attempt: input.attempt,
    trigger: input.trigger,
    startedAt,
    durationMs: result.durationMs,
    outcome: result.outcome === 'succeeded' ? 'succeeded' : 'failed',
    statusCode: result.statusCode,
    error: result.error,
    responseBody: result.responseBody,
  });
  log.info({ outcome: result.outcome, statusCode: result.statusCode, durationMs: result.durationMs, error: result.error }, 'webhook attempt');

  if (result.outcome === 'succeeded') {
    await recordEndpointSuccess(db, endpoint.id);
    return result;
  }
  if (result.statusCode === 410) {
    await disable(deps, endpoint, 'the endpoint answered 410 Gone');
    await setDeliveryStatus(db, delivery.id, 'failed');
    return { ...result, outcome: 'disabled' };
  }
  const streak = await recordEndpointFailure(db, endpoint.id);
  if (
    streak?.enabled &&
    streak.failing_since &&
    streak.failure_count >= AUTO_DISABLE_MIN_FAILURES &&
    Date.now() - streak.failing_since.getTime() >= AUTO_DISABLE_AFTER_MS
  ) {
    await disable(deps, endpoint, `every delivery failed since ${streak.failing_since.toISOString()} (${streak.failure_count} failures)`);
    await setDeliveryStatus(db, delivery.id, 'failed');
    return { ...result, outcome: 'disabled' };
  }
  return result;
}

async function send(policy: UrlPolicy, endpoint: WebhookEndpointRow, headers: Record<string, string>, body: string): Promise<HttpAttempt> {
  const url = new URL(endpoint.url);
  if (policy.httpsOnly && url.protocol !== 'https:') return { kind: 'network', error: 'refused: https is required', durationMs: 0 };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Literal addresses never reach the lookup: check them here. Names are checked after DNS, inside the connection.
  if (isIP(host)) {
    try {
      await assertSafeUrl(endpoint.url, policy);
    } catch (err) {
      if (err instanceof UnsafeUrlError) return { kind: 'network', error: `refused: ${err.reason}`, durationMs: 0 };
      throw err;
    }
  }
  return postWebhook({ url: endpoint.url, headers, body, timeoutMs: endpoint.timeout_ms, lookup: guardedLookup(policy) });
}

function judge(http: HttpAttempt, startedAtMs: number): AttemptResult {
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
  return { outcome: 'failed', ...base, failure: { kind, statusCode: row.status_code, retryAfterMs: null } };
}

async function disable(deps: WebhookActivityDeps, endpoint: WebhookEndpointRow, reason: string): Promise<void> {
  if (!(await disableEndpoint(deps.db, endpoint.id, reason))) return;
  deps.logger.warn({ endpointId: endpoint.id, reason }, 'webhook endpoint disabled');
  await deps.events.publishSystem(
    'endpoint.disabled',
    { endpointId: endpoint.id, url: endpoint.url, reason, disabledAt: new Date().toISOString() },
    { idempotencyKey: `endpoint.disabled:${endpoint.id}:${Date.now()}`, excludeEndpointId: endpoint.id },
  );
}
