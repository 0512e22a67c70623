// Shared by the webhook workflows, their activities and the API: names and payload types (no I/O here).
import type { AttemptTrigger } from '../lib/db/webhook-tables';
import type { FailedAttempt } from '../lib/webhooks/retry-schedule';

export const WEBHOOK_DELIVERY_WORKFLOW_TYPE = 'webhookDeliveryWorkflow';
export const WEBHOOK_RECOVER_WORKFLOW_TYPE = 'webhookRecoverWorkflow';
export const WEBHOOK_SWEEP_WORKFLOW_TYPE = 'webhookDispatchSweepWorkflow';
export const WEBHOOK_RETENTION_WORKFLOW_TYPE = 'webhookRetentionWorkflow';
export const WEBHOOK_DISPATCHER_WORKFLOW_TYPE = 'webhookDispatcherWorkflow';

/** The long-lived dispatcher of one shard of endpoints (endpoint id mod shards). */
export const dispatcherWorkflowId = (shard: number, shards: number): string => `webhook-dispatcher-${shard}-of-${shards}`;

/** A dispatcher's settings (from config: workflows cannot read it) and where it stands. */
export interface DispatchSettings {
  shard: number;
  shards: number;
  /** How long one dispatch activity runs before handing back to its workflow. */
  budgetMs: number;
  /** Requests in flight at once, and deliveries claimed per round trip to the database. */
  concurrency: number;
  batchSize: number;
  /** Requests in flight to one endpoint at once. */
  perEndpoint: number;
  /** A claimed delivery is reserved this long (longer than any request, rate-limit wait and write). */
  leaseMs: number;
  /** How often an idle dispatcher looks for due deliveries. */
  pollMs: number;
  breakerThreshold: number;
  /** Retry delays (the Svix schedule when absent). */
  retryDelaysMs?: number[];
}

export type DispatchInput = DispatchSettings;

export interface DispatchResult {
  claimed: number;
  attempts: number;
  succeeded: number;
  failed: number;
  /** Deliveries whose schedule ran out (failed for good). */
  exhausted: number;
  /** Put off by the endpoint's rate limit (no attempt made). */
  deferred: number;
  /** Given back without an attempt (the endpoint's breaker tripped meanwhile, or the activity was cancelled). */
  released: number;
}

export interface DispatcherState {
  rounds: number;
  totals: DispatchResult;
  generation: number;
}

/** One workflow per (event, endpoint) delivery; a resend runs the same id again. */
export const deliveryWorkflowId = (eventId: number, endpointId: number): string => `webhook-${eventId}-${endpointId}`;
export const recoverWorkflowId = (endpointId: number): string => `webhook-recover-${endpointId}`;
export const SWEEP_SCHEDULE_ID = 'relay-webhook-dispatch-sweep';
export const RETENTION_SCHEDULE_ID = 'relay-webhook-retention';

export interface DeliveryWorkflowInput {
  deliveryId: number;
  eventId: number;
  endpointId: number;
  trigger: AttemptTrigger;
  /** Number of the first attempt of this run (attempts of earlier runs keep their numbers). */
  firstAttempt: number;
  /** Attempts this run may make (the full schedule when absent; 1 for the endpoint test). */
  maxAttempts?: number;
}

export interface AttemptInput {
  deliveryId: number;
  attempt: number;
  trigger: AttemptTrigger;
  /** The rate-limit slot was reserved by the `throttled` answer this attempt waited out. */
  slotReserved?: boolean;
}

/**
 * What one attempt came to. `disabled`: the endpoint answered 410 or crossed the auto-disable threshold, so the delivery
 * stops. `skipped`: nothing was sent (endpoint disabled or deleted, payload purged). `throttled`: the endpoint's rate
 * limit has no slot soon; nothing was sent and no attempt counted.
 */
export type AttemptOutcome = 'succeeded' | 'failed' | 'disabled' | 'skipped' | 'throttled';

export interface AttemptResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
  /** For `failed`: what the retry schedule needs. */
  failure?: FailedAttempt;
  /** For `throttled`. */
  retryInMs?: number;
  /** For `skipped`: what the delivery row now says (failed: recoverable once the endpoint is enabled again). */
  deliveryStatus?: 'failed' | 'cancelled';
}

export type DeliveryFinalStatus = 'succeeded' | 'failed' | 'cancelled';

export interface DeliveryResult {
  deliveryId: number;
  status: DeliveryFinalStatus;
  /** Attempts made by this run. */
  attempts: number;
  last: AttemptResult | null;
}

export interface RecoverWorkflowInput {
  endpointId: number;
  since: string;
  until: string;
  /** Progress carried across continue-as-new. */
  afterId?: number;
  restarted?: number;
}

export interface RecoverPage {
  restarted: number;
  lastId: number;
  more: boolean;
}

export interface RetentionResult {
  attemptsDeleted: number;
  payloadsDeleted: number;
}
