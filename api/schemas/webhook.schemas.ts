import { DELIVERY_STATUSES } from '../../lib/db/webhook-tables';
import {
  HEADER_NAME,
  HEADER_VALUE,
  HEADER_VALUE_MESSAGE,
  headerNameProblem,
  MAX_CUSTOM_HEADERS,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_VALUE_LENGTH,
  RESERVED_HEADERS,
} from '../../lib/webhooks/custom-headers';
import { EVENT_TYPE_PATTERN } from '../../lib/webhooks/event-catalogue';
import { isValidSecret, SECRET_PATTERN } from '../../lib/webhooks/signing';
import { z } from '../openapi';
import { decimalInteger, isoDate, MAX_ID, page, PaginationQuery } from './common.schemas';

const eventTypeName = z
  .string()
  .max(100, 'at most 100 characters')
  .regex(EVENT_TYPE_PATTERN, 'must be dot-separated lowercase words, e.g. order.created');
const eventTypeFilter = z
  .string()
  .max(100)
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$/, "must be an event type or a prefix ending in '.*', e.g. mailing.*");

const headerName = z
  .string()
  .max(MAX_HEADER_NAME_LENGTH, `at most ${MAX_HEADER_NAME_LENGTH} characters`)
  .superRefine((name, ctx) => {
    const problem = headerNameProblem(name);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
const headerValue = z
  .string()
  .max(MAX_HEADER_VALUE_LENGTH, `at most ${MAX_HEADER_VALUE_LENGTH} characters`)
  .regex(HEADER_VALUE, HEADER_VALUE_MESSAGE);
/** OpenAPI 3.1 `propertyNames`: zod-to-openapi does not describe record keys, so the name rules are written by hand. */
const headerNameRules = { propertyNames: { type: 'string', pattern: HEADER_NAME.source, maxLength: MAX_HEADER_NAME_LENGTH } };
/**
 * Custom headers, validated as Node's HTTP client will send them (a value it would refuse could never be delivered),
 * with errors naming `body.headers.<name>`.
 */
const headers = z
  .record(headerName, headerValue, {
    // A bad name is reported with its own message, not zod's generic "Invalid key in record".
    error: (issue) => (issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join('; ') : undefined),
  })
  .superRefine((h, ctx) => {
    const names = Object.keys(h);
    if (names.length > MAX_CUSTOM_HEADERS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_CUSTOM_HEADERS} headers` });
    for (const name of names) {
      const problem = headerNameProblem(name, names);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  })
  .openapi({
    description:
      `Extra headers sent with every attempt (at most ${MAX_CUSTOM_HEADERS}; names case-insensitively unique). Values are stored ` +
      `encrypted and shown to operators and admins only. Relay's own headers cannot be overridden: ${[...RESERVED_HEADERS].join(', ')}.`,
    example: { 'x-tenant': 'acme', authorization: 'Bearer 0123abcd' },
    maxProperties: MAX_CUSTOM_HEADERS,
    ...headerNameRules,
  });

const url = z
  .string()
  .max(2048)
  .url('must be an absolute URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL')
  .openapi({ example: 'https://example.com/webhooks/relay' });

const endpointFields = {
  url,
  description: z.string().max(500).default(''),
  event_types: z.array(eventTypeFilter).max(100).default([]).openapi({ description: "Event types to receive; empty = all; 'mailing.*' = a prefix" }),
  headers: headers.default({}),
  timeout_ms: z.number().int().min(1_000, 'at least 1000').max(30_000, 'at most 30000 (30 s)').default(15_000),
  rate_limit_per_s: z.number().int().min(1).max(1_000).nullable().default(null).openapi({ description: 'Deliveries per second at most; null = unlimited' }),
  ordering: z
    .enum(['none', 'fifo'])
    .default('none')
    .openapi({
      description:
        "'fifo': events reach the endpoint in publish order, one in flight at a time; a failing delivery holds the " +
        "rest back until it succeeds or exhausts its schedule. 'none' (default): deliveries go out concurrently.",
    }),
  enabled: z.boolean().default(true),
};

const secret = z.string().refine(isValidSecret, 'must be whsec_ followed by base64 of 24 to 64 bytes').openapi({ pattern: SECRET_PATTERN });

export const CreateEndpointBody = z
  .object({ ...endpointFields, secret: secret.optional().openapi({ description: 'Your own signing secret; generated when absent' }) })
  .strict()
  .openapi('CreateWebhookEndpoint');

export const UpdateEndpointBody = z
  .object({
    url: url.optional(),
    description: z.string().max(500).optional(),
    event_types: z.array(eventTypeFilter).max(100).optional(),
    headers: headers.optional(),
    timeout_ms: endpointFields.timeout_ms.removeDefault().optional(),
    rate_limit_per_s: z.number().int().min(1).max(1_000).nullable().optional(),
    ordering: endpointFields.ordering.removeDefault().optional(),
    enabled: z.boolean().optional().openapi({ description: 'true re-enables a disabled endpoint and resets its failure streak' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field to change', when: (payload) => payload.issues.length === 0 })
  .openapi('UpdateWebhookEndpoint', { minProperties: 1 });

export const EndpointSchema = z
  .object({
    id: z.number().int(),
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.string()),
    header_names: z.array(z.string()).openapi({ description: 'Names of the custom headers (every role sees these)' }),
    headers: z
      .record(z.string(), z.string().nullable())
      .optional()
      .openapi({
        description:
          'The custom headers with their values, for operator and admin keys only (absent for viewers). null: the value was ' +
          'sealed with another ENCRYPTION_KEY and cannot be read; set the headers again.',
      }),
    timeout_ms: z.number().int(),
    rate_limit_per_s: z.number().int().nullable(),
    ordering: z.enum(['none', 'fifo']),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    disabled_at: z.string().nullable(),
    health: z.object({
      failing_since: z.string().nullable(),
      failure_count: z.number().int(),
      last_success_at: z.string().nullable(),
      last_failure_at: z.string().nullable(),
      breaker: z
        .object({
          state: z.enum(['closed', 'open', 'half-open']),
          consecutive_failures: z.number().int(),
          next_probe_at: z.string().nullable(),
        })
        .openapi({ description: 'The circuit breaker: open after consecutive failures, then one probe at a time until a success closes it' }),
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebhookEndpoint');

export const CreatedEndpointSchema = EndpointSchema.extend({
  secret: z.string().openapi({ description: 'The signing secret: shown once, stored encrypted' }),
}).openapi('CreatedWebhookEndpoint');

export const EndpointListQuery = z.object({ enabled: z.enum(['true', 'false']).optional(), ...PaginationQuery });
export const EndpointPage = page(EndpointSchema, 'WebhookEndpointPage');

export const RotateSecretBody = z.object({ secret: secret.optional() }).strict().openapi('RotateWebhookSecret');
export const RotatedSecretSchema = z
  .object({
    secret: z.string().openapi({ description: 'The new secret (shown once); it signs from now on' }),
    previous_secrets_expire_at: z.string().openapi({ description: 'Until then the previous secret signs beside the new one' }),
  })
  .openapi('RotatedWebhookSecret');

export const EventTypeSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schema: z.record(z.string(), z.unknown()).openapi({ description: 'JSON Schema of the payload' }),
    system: z.boolean().openapi({ description: 'Emitted by Relay itself; cannot be posted' }),
    created_at: z.string().nullable(),
  })
  .openapi('WebhookEventType');

export const CreateEventTypeBody = z
  .object({
    name: eventTypeName,
    description: z.string().max(500).default(''),
    schema: z.record(z.string(), z.unknown()).default({}).openapi({ description: 'JSON Schema (draft 2020-12 or 07) that payloads must match' }),
  })
  .strict()
  .openapi('CreateWebhookEventType');

export const CreateEventBody = z
  .object({
    type: eventTypeName,
    payload: z.unknown().refine((p) => p !== undefined, 'is required').openapi({ description: 'Any JSON value matching the type\'s schema' }),
    idempotency_key: z.string().min(1).max(200).optional().openapi({ description: 'Same key within 24 h returns the first event (also as the Idempotency-Key header)' }),
  })
  .strict()
  .openapi('CreateWebhookEvent');

const DeliveryStatusEnum = z.enum(DELIVERY_STATUSES as [string, ...string[]]);

export const DeliverySchema = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    endpoint_id: z.number().int(),
    status: DeliveryStatusEnum,
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    delivered_at: z.string().nullable(),
    workflow_id: z.string().nullable().openapi({ description: "The delivery's own workflow (endpoint tests, deliveries from before the dispatchers); null when the dispatchers carry it: each attempt names the dispatcher run that made it" }),
    engine: z.enum(['dispatcher', 'workflow']),
    created_at: z.string(),
  })
  .openapi('WebhookDelivery');

export const EventSchema = z
  .object({
    id: z.number().int(),
    webhook_id: z.string().openapi({ description: 'The webhook-id header receivers dedupe on' }),
    type: z.string(),
    payload: z.unknown().nullable(),
    source: z.enum(['api', 'system']),
    idempotency_key: z.string().nullable(),
    created_at: z.string(),
    payload_deleted_at: z.string().nullable(),
  })
  .openapi('WebhookEvent');

export const EventWithDeliveriesSchema = EventSchema.extend({ deliveries: z.array(DeliverySchema) }).openapi('WebhookEventWithDeliveries');
export const AcceptedEventSchema = EventWithDeliveriesSchema.extend({
  duplicate: z.boolean().openapi({ description: 'true when the idempotency key returned an earlier event' }),
}).openapi('AcceptedWebhookEvent');

export const EventListQuery = z.object({ type: eventTypeName.optional(), since: isoDate('Events created at or after').optional(), ...PaginationQuery });
export const EventPage = page(EventSchema, 'WebhookEventPage');

export const DeliveryListQuery = z.object({
  endpoint_id: decimalInteger({ min: 1, max: MAX_ID, description: 'Only deliveries to this endpoint' }).optional(),
  event_id: decimalInteger({ min: 1, max: MAX_ID, description: 'Only deliveries of this event' }).optional(),
  status: DeliveryStatusEnum.optional(),
  ...PaginationQuery,
});
export const DeliveryPage = page(DeliverySchema, 'WebhookDeliveryPage');

export const AttemptSchema = z
  .object({
    id: z.number().int(),
    delivery_id: z.number().int(),
    event_id: z.number().int(),
    event_type: z.string(),
    endpoint_id: z.number().int(),
    attempt: z.number().int(),
    trigger: z.enum(['scheduled', 'resend', 'recover', 'test']),
    started_at: z.string(),
    duration_ms: z.number().int(),
    outcome: z.enum(['succeeded', 'failed']),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    response_body: z.string().nullable().openapi({ description: 'First 20 KB of the answer' }),
    workflow_id: z.string().nullable().openapi({ description: 'The Temporal workflow whose run made this attempt (find it in the Temporal UI)' }),
    run_id: z.string().nullable(),
  })
  .openapi('WebhookAttempt');

export const BacklogSchema = z
  .object({
    pending: z.number().int().openapi({ description: 'Deliveries the dispatchers still have to make (due now or later)' }),
    due: z.number().int().openapi({ description: 'Of those, due now' }),
    oldest_undelivered_at: z.string().nullable().openapi({ description: 'Creation time of the oldest pending delivery' }),
    oldest_undelivered_age_ms: z.number().int().nullable(),
    max_backlog: z.number().int().nullable().openapi({ description: 'Past this many pending deliveries, publishing answers 429 (null: no limit)' }),
  })
  .openapi('WebhookBacklog');
export const AttemptPage = page(AttemptSchema, 'WebhookAttemptPage');

export const AttemptListQuery = z.object({
  outcome: z.enum(['succeeded', 'failed']).optional(),
  status_code: decimalInteger({ min: 100, max: 599, description: 'Only attempts answered with this HTTP status', example: 500 }).optional(),
  event_type: eventTypeName.optional(),
  since: isoDate('Attempts started at or after').optional(),
  until: isoDate('Attempts started before').optional(),
  ...PaginationQuery,
});

/** The attempt-log query as the repository's filter. */
export const toAttemptFilter = (q: z.infer<typeof AttemptListQuery>) => ({
  outcome: q.outcome,
  statusCode: q.status_code,
  eventType: q.event_type,
  since: q.since ? new Date(q.since) : undefined,
  until: q.until ? new Date(q.until) : undefined,
  cursor: q.cursor,
  limit: q.limit,
});

export const TestEndpointBody = z.object({ message: z.string().max(500).default('Test event from Relay') }).strict().openapi('TestWebhookEndpoint');
export const TestResultSchema = z
  .object({
    delivered: z.boolean(),
    event_id: z.number().int(),
    delivery_id: z.number().int(),
    status_code: z.number().int().nullable(),
    duration_ms: z.number().int(),
    error: z.string().nullable(),
    response_body: z.string().nullable(),
  })
  .openapi('WebhookTestResult');

export const RecoverBody = z
  .object({ since: isoDate('Failed deliveries created at or after this time'), until: isoDate('... and before this time (default now)').optional() })
  .strict()
  .refine((b) => !b.until || Date.parse(b.until) > Date.parse(b.since), { message: 'must be after since', path: ['until'] })
  .openapi('RecoverWebhookDeliveries');
export const RecoverStartedSchema = z.object({ workflow_id: z.string(), since: z.string(), until: z.string() }).openapi('WebhookRecoveryStarted');

export const RecoverySchema = z
  .object({
    workflow_id: z.string(),
    status: z
      .enum(['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out', 'continued_as_new', 'unknown'])
      .openapi({ description: "Temporal's status of the latest run" }),
    since: z.string().nullable(),
    until: z.string().nullable(),
    started_at: z.string(),
    closed_at: z.string().nullable(),
    restarted: z.number().int().nullable().openapi({ description: 'Deliveries restarted, once the recovery completed' }),
    failed_remaining: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Deliveries of the window still failed now: falls while the recovery runs (null when the window is unknown)' }),
  })
  .openapi('WebhookRecovery');

export const StatsQuery = z.object({ since: isoDate('Attempt figures from this time (default: all)').optional() });
export const WebhookStatsSchema = z
  .object({
    deliveries: z.record(z.string(), z.number().int()),
    attempts: z.object({ total: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
    success_rate: z.number().nullable().openapi({ description: 'Succeeded attempts / attempts' }),
    latency_ms: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() }).nullable(),
  })
  .openapi('WebhookStats');
