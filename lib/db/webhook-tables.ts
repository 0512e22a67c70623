import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CreatedAt, Defaulted, Json, Timestamp, UpdatedAt } from './column-types';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'cancelled'];
export type AttemptOutcome = 'succeeded' | 'failed';
/** What started an attempt: the original schedule, a resend, a recovery, or the endpoint test. */
export type AttemptTrigger = 'scheduled' | 'resend' | 'recover' | 'test';
export type EventSource = 'api' | 'system';
export type EndpointOrdering = 'none' | 'fifo';
/** Who carries a delivery's attempts: the dispatchers, or its own workflow (rows from before them, endpoint tests). */
export type DeliveryEngine = 'dispatcher' | 'workflow';

/** A jsonb header map with a `'{}'` default: optional on insert, written as JSON text. */
type HeaderMap = ColumnType<Record<string, string>, string | undefined, string>;

export interface WebhookEndpointTable {
  id: Generated<number>;
  url: string;
  description: Defaulted<string>;
  event_types: Defaulted<string[]>; // empty = every type; 'mailing.*' matches a prefix
  /** Custom headers, name → value sealed with AES-256-GCM (lib/webhooks/custom-headers.ts). */
  sealed_headers: HeaderMap;
  /** Plain values of rows written before they were sealed; emptied by the API's boot step (sealLegacyHeaders). */
  legacy_plain_headers: HeaderMap;
  timeout_ms: Defaulted<number>;
  rate_limit_per_s: number | null;
  rate_next_at: Timestamp | null;
  /** 'fifo': one delivery in flight at a time, in publish order; a failing head holds the rest back. */
  ordering: Defaulted<EndpointOrdering>;
  /** Circuit breaker: consecutive failed attempts, and while open the time of the next probe. */
  breaker_failures: Defaulted<number>;
  breaker_open_until: Timestamp | null;
  breaker_opens: Defaulted<number>;
  /** A fifo endpoint's one delivery in flight holds this lease. */
  fifo_lease_until: Timestamp | null;
  enabled: Defaulted<boolean>;
  disabled_reason: string | null;
  disabled_at: Timestamp | null;
  failing_since: Timestamp | null;
  failure_count: Defaulted<number>;
  last_success_at: Timestamp | null;
  last_failure_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WebhookEndpointSecretTable {
  id: Generated<number>;
  endpoint_id: number;
  secret_sealed: string; // AES-256-GCM (lib/crypto/secret-box.ts)
  created_at: CreatedAt;
  expires_at: Timestamp | null; // null: the current secret
}

export interface WebhookEventTypeTable {
  name: string;
  description: Defaulted<string>;
  schema: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface WebhookEventTable {
  id: Generated<number>;
  type: string;
  payload: Json<unknown> | null; // null once retention removed it
  source: EventSource;
  idempotency_key: string | null;
  created_at: CreatedAt;
  payload_deleted_at: Timestamp | null;
}

export interface WebhookDeliveryTable {
  id: Generated<number>;
  event_id: number;
  endpoint_id: number;
  status: Defaulted<DeliveryStatus>;
  attempts: Defaulted<number>;
  /** Due time (a claim moves it to the end of its lease); null once final. */
  next_attempt_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_attempt_at: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  dispatched_at: Timestamp | null;
  engine: Defaulted<DeliveryEngine>;
  /** What started the current schedule and the number of its first attempt (a resend starts a new one). */
  run_trigger: Defaulted<AttemptTrigger>;
  run_first_attempt: Defaulted<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WebhookAttemptTable {
  id: Generated<number>;
  delivery_id: number;
  event_id: number;
  endpoint_id: number;
  attempt: number;
  trigger: AttemptTrigger;
  started_at: Timestamp;
  duration_ms: number;
  outcome: AttemptOutcome;
  status_code: number | null;
  retry_after_ms: number | null;
  error: string | null;
  response_body: string | null;
  /** The Temporal run that made the attempt (a dispatcher's, or the delivery's own workflow's). */
  workflow_id: string | null;
  run_id: string | null;
}

export interface WebhookTables {
  webhook_endpoints: WebhookEndpointTable;
  webhook_endpoint_secrets: WebhookEndpointSecretTable;
  webhook_event_types: WebhookEventTypeTable;
  webhook_events: WebhookEventTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;
export type WebhookEventRow = Selectable<WebhookEventTable>;
export type WebhookEventTypeRow = Selectable<WebhookEventTypeTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptTable>;
