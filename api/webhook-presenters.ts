// Webhook rows become API shapes here and only here.
import type { SecretBox } from '../lib/crypto/secret-box';
import type { WebhookStats } from '../lib/db/webhook-stats.repository';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow, WebhookEventTypeRow } from '../lib/db/webhook-tables';
import { headerNames, openHeaders } from '../lib/webhooks/custom-headers';
import { webhookMessageId } from '../lib/webhooks/signing';
import { deliveryWorkflowId } from '../workflows/webhook.contract';
import { iso } from './presenters';

/** Whether the caller may read custom header values (operators and admins), and the box that opens them. */
export interface HeaderView {
  box: SecretBox;
  showValues: boolean;
}

/** Header names for everyone; values (null where the key cannot open them) only for operators and admins. */
function presentHeaders(e: WebhookEndpointRow, view: HeaderView): { header_names: string[]; headers?: Record<string, string | null> } {
  const names = headerNames(e);
  if (!view.showValues) return { header_names: names };
  const { headers } = openHeaders(view.box, e);
  return { header_names: names, headers: Object.fromEntries(names.map((name) => [name, headers[name] ?? null])) };
}

/** closed: deliveries flow; open: none until the next probe; half-open: the next due delivery is a probe. */
function breakerState(e: WebhookEndpointRow): 'closed' | 'open' | 'half-open' {
  if (e.breaker_open_until === null) return 'closed';
  return e.breaker_open_until.getTime() > Date.now() ? 'open' : 'half-open';
}

export const presentEndpoint = (e: WebhookEndpointRow, view: HeaderView) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  event_types: e.event_types,
  ...presentHeaders(e, view),
  timeout_ms: e.timeout_ms,
  rate_limit_per_s: e.rate_limit_per_s,
  ordering: e.ordering,
  enabled: e.enabled,
  disabled_reason: e.disabled_reason,
  disabled_at: iso(e.disabled_at),
  health: {
    failing_since: iso(e.failing_since),
    failure_count: e.failure_count,
    last_success_at: iso(e.last_success_at),
    last_failure_at: iso(e.last_failure_at),
    breaker: {
      state: breakerState(e),
      consecutive_failures: e.breaker_failures,
      next_probe_at: e.breaker_open_until && e.breaker_open_until.getTime() > Date.now() ? e.breaker_open_until.toISOString() : null,
    },
  },
  created_at: e.created_at.toISOString(),
  updated_at: e.updated_at.toISOString(),
});

export const presentEvent = (e: WebhookEventRow) => ({
  id: e.id,
  webhook_id: webhookMessageId(e.id),
  type: e.type,
  payload: e.payload,
  source: e.source,
  idempotency_key: e.idempotency_key,
  created_at: e.created_at.toISOString(),
  payload_deleted_at: iso(e.payload_deleted_at),
});

export const presentDelivery = (d: WebhookDeliveryRow) => ({
  id: d.id,
  event_id: d.event_id,
  endpoint_id: d.endpoint_id,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: iso(d.next_attempt_at),
  last_attempt_at: iso(d.last_attempt_at),
  last_status_code: d.last_status_code,
  last_error: d.last_error,
  delivered_at: iso(d.delivered_at),
  workflow_id: d.engine === 'workflow' ? deliveryWorkflowId(d.event_id, d.endpoint_id) : null,
  engine: d.engine,
  created_at: d.created_at.toISOString(),
});

export const presentAttempt = (a: WebhookAttemptRow & { event_type: string }) => ({
  id: a.id,
  delivery_id: a.delivery_id,
  event_id: a.event_id,
  event_type: a.event_type,
  endpoint_id: a.endpoint_id,
  attempt: a.attempt,
  trigger: a.trigger,
  started_at: a.started_at.toISOString(),
  duration_ms: a.duration_ms,
  outcome: a.outcome,
  status_code: a.status_code,
  error: a.error,
  response_body: a.response_body,
  workflow_id: a.workflow_id,
  run_id: a.run_id,
});

export const presentEventType = (t: WebhookEventTypeRow) => ({
  name: t.name,
  description: t.description,
  schema: t.schema,
  system: false,
  created_at: t.created_at.toISOString(),
});

export const presentStats = (s: WebhookStats) => ({
  deliveries: s.deliveries,
  attempts: s.attempts,
  success_rate: s.successRate,
  latency_ms: s.latencyMs,
});
