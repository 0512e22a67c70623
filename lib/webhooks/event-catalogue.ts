import { z } from 'zod';

/** Event type names: dot-separated lowercase words (`mailing.started`). */
export const EVENT_TYPE_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

const counts = z.object({
  pending: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  expired: z.number().int(),
  cancelled: z.number().int(),
});
const mailingOutcome = z.object({ mailingId: z.number().int(), total: z.number().int(), counts });

/** Events Relay emits itself. Users cannot post these types; they can subscribe to them. */
export const SYSTEM_EVENT_TYPES = {
  'mailing.started': {
    description: 'A mailing reached its start time and its messages were created.',
    schema: z.object({ mailingId: z.number().int(), text: z.string(), startsAt: z.string(), endsAt: z.string(), total: z.number().int() }),
  },
  'mailing.completed': { description: 'Every message of a mailing was handled before its end time.', schema: mailingOutcome },
  'mailing.expired': { description: 'A mailing reached its end time with unsent messages; they expired.', schema: mailingOutcome },
  'mailing.cancelled': { description: 'A mailing was cancelled; its unsent messages were cancelled.', schema: mailingOutcome },
  'message.failed': {
    description: 'An SMS finally failed after its attempts.',
    schema: z.object({
      mailingId: z.number().int(),
      messageId: z.number().int(),
      clientId: z.number().int().nullable(),
      phone: z.string(),
      attempts: z.number().int(),
      error: z.string().nullable(),
    }),
  },
  'integration.sync.succeeded': {
    description: 'An integration sync run finished.',
    schema: z.object({
      integrationId: z.number().int(),
      runId: z.string(),
      pages: z.number().int(),
      fetched: z.number().int(),
      inserted: z.number().int(),
      updated: z.number().int(),
    }),
  },
  'integration.sync.failed': {
    description: 'An integration sync run failed.',
    schema: z.object({ integrationId: z.number().int(), runId: z.string(), error: z.string() }),
  },
  'endpoint.disabled': {
    description: 'A webhook endpoint was disabled: it answered 410 Gone or failed every delivery for 5 days.',
    schema: z.object({ endpointId: z.number().int(), url: z.string(), reason: z.string(), disabledAt: z.string() }),
  },
  'message.attempt.exhausted': {
    description: 'A webhook delivery failed its last scheduled attempt.',
    schema: z.object({
      deliveryId: z.number().int(),
      eventId: z.number().int(),
      eventType: z.string(),
      endpointId: z.number().int(),
      attempts: z.number().int(),
      lastStatusCode: z.number().int().nullable(),
      lastError: z.string().nullable(),
    }),
  },
  'webhook.test': {
    description: 'Sent by the endpoint test operation.',
    schema: z.object({ endpointId: z.number().int(), message: z.string() }),
  },
} as const satisfies Record<string, { description: string; schema: z.ZodType }>;

export type SystemEventType = keyof typeof SYSTEM_EVENT_TYPES;
export type SystemEventPayload<T extends SystemEventType> = z.infer<(typeof SYSTEM_EVENT_TYPES)[T]['schema']>;

export const isSystemEventType = (name: string): name is SystemEventType => Object.hasOwn(SYSTEM_EVENT_TYPES, name);

/** The catalogue entries of the system types, JSON Schema included. */
export function systemEventTypes(): { name: string; description: string; schema: Record<string, unknown>; system: true }[] {
  return Object.entries(SYSTEM_EVENT_TYPES).map(([name, t]) => ({
    name,
    description: t.description,
    schema: z.toJSONSchema(t.schema) as Record<string, unknown>,
    system: true,
  }));
}
