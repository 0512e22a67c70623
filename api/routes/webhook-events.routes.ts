import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { listAttempts, listDeliveries } from '../../lib/db/webhook-delivery.repository';
import { deleteEventType, findEventType, insertEventType, listEventTypes } from '../../lib/db/webhook-event-type.repository';
import { findEvent, listEvents } from '../../lib/db/webhook-event.repository';
import { isSystemEventType, systemEventTypes } from '../../lib/webhooks/event-catalogue';
import { payloadProblems, schemaError } from '../../lib/webhooks/payload-schema';
import { BacklogWatch } from '../../lib/webhooks/backlog';
import { ConflictError, HttpError, NotFoundError, ValidationError } from '../errors';
import { z } from '../openapi';
import { defineRoute } from '../route';
import { IdParams, toPage } from '../schemas/common.schemas';
import {
  AcceptedEventSchema,
  AttemptListQuery,
  BacklogSchema,
  toAttemptFilter,
  AttemptPage,
  CreateEventBody,
  CreateEventTypeBody,
  EventListQuery,
  EventPage,
  EventTypeSchema,
  EventWithDeliveriesSchema,
} from '../schemas/webhook.schemas';
import { presentAttempt, presentDelivery, presentEvent, presentEventType } from '../webhook-presenters';
import type { WebhookRouteDeps } from './webhook-deps';

/** What a refused publisher is told to wait: the dispatchers drain hundreds of deliveries a second. */
const BACKLOG_RETRY_AFTER_S = 5;

const NameParams = z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'order.created' }) });

export function webhookEventRoutes(deps: WebhookRouteDeps, registry: OpenAPIRegistry): Router {
  const { db, events } = deps;
  const router = Router();
  const tag = 'Webhook events';
  const backlog = new BacklogWatch(db, deps.maxBacklog);

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/backlog', tag, role: 'viewer',
    summary: 'The dispatch backlog: deliveries still to make, how many are due now, and the oldest undelivered one (counted at most once a second)',
    response: { status: 200, schema: BacklogSchema, description: 'The backlog' },
    handler: async () => {
      const now = await backlog.read();
      return {
        pending: now.pending,
        due: now.due,
        oldest_undelivered_at: now.oldestCreatedAt?.toISOString() ?? null,
        oldest_undelivered_age_ms: now.oldestCreatedAt ? Math.max(0, Date.now() - now.oldestCreatedAt.getTime()) : null,
        max_backlog: deps.maxBacklog === 0 ? null : deps.maxBacklog,
      };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/event-types', tag, role: 'viewer', summary: "The event catalogue: Relay's own types and registered ones",
    response: { status: 200, schema: z.object({ items: z.array(EventTypeSchema) }), description: 'Every event type with its JSON Schema' },
    handler: async () => ({ items: [...systemEventTypes().map((t) => ({ ...t, created_at: null })), ...(await listEventTypes(db)).map(presentEventType)] }),
  });

  defineRoute(router, registry, {
    method: 'post', path: '/webhooks/event-types', tag, role: 'operator', summary: 'Register an event type with the JSON Schema of its payload',
    body: CreateEventTypeBody, response: { status: 201, schema: EventTypeSchema, description: 'Registered' }, errors: [409],
    handler: async ({ body }) => {
      if (isSystemEventType(body.name)) throw new ConflictError(`${body.name} is one of Relay's own event types`, [{ path: 'body.name', message: 'is reserved' }]);
      const problem = schemaError(body.schema);
      if (problem) throw new ValidationError([{ path: 'body.schema', message: `is not a usable JSON Schema: ${problem}` }]);
      const row = await insertEventType(db, body);
      if (!row) throw new ConflictError(`event type ${body.name} exists`, [{ path: 'body.name', message: 'is taken' }]);
      return presentEventType(row);
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/webhooks/event-types/:name', tag, role: 'operator', summary: 'Remove a registered event type (events already sent stay)',
    params: NameParams, response: { status: 204, description: 'Removed' }, errors: [404, 409],
    handler: async ({ params }) => {
      if (isSystemEventType(params.name)) throw new ConflictError(`${params.name} is one of Relay's own event types`);
      if (!(await deleteEventType(db, params.name))) throw new NotFoundError(`event type ${params.name}`);
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/webhooks/events', tag, role: 'operator',
    summary: 'Publish an event to every enabled endpoint whose filter matches; the same idempotency key within 24 h returns the first event',
    body: CreateEventBody, response: { status: 202, schema: AcceptedEventSchema, description: 'Accepted: stored with one delivery per endpoint, which the dispatchers send' },
    handler: async ({ body, req, res }) => {
      // Accept fast, never lose: past the configured backlog, refuse (the caller retries) rather than queue without bound.
      if (await backlog.full()) {
        res.setHeader('Retry-After', String(BACKLOG_RETRY_AFTER_S));
        throw new HttpError(429, 'Backlog full', `More than ${deps.maxBacklog} deliveries are waiting to be sent; retry in ${BACKLOG_RETRY_AFTER_S} s.`);
      }
      const header = req.get('idempotency-key');
      if (header !== undefined && body.idempotency_key !== undefined && header !== body.idempotency_key) {
        throw new ValidationError([{ path: 'body.idempotency_key', message: 'differs from the Idempotency-Key header' }]);
      }
      const idempotencyKey = body.idempotency_key ?? header ?? null;
      if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > 200)) {
        throw new ValidationError([{ path: 'header.idempotency-key', message: 'must be 1 to 200 characters' }]);
      }
      if (isSystemEventType(body.type)) throw new ValidationError([{ path: 'body.type', message: 'is emitted by Relay itself and cannot be posted' }]);
      const type = await findEventType(db, body.type);
      if (!type) throw new ValidationError([{ path: 'body.type', message: 'is not a registered event type (POST /api/v1/webhooks/event-types)' }]);
      const problems = payloadProblems(type.schema, body.payload);
      if (problems.length > 0) {
        throw new ValidationError(problems.map((p) => ({ path: `body.payload${p.path.replaceAll('/', '.')}`, message: p.message })));
      }
      const recorded = await events.publish({ type: body.type, payload: body.payload, source: 'api', idempotencyKey });
      if (!recorded.created) res.setHeader('idempotent-replayed', 'true');
      const deliveries = await listDeliveries(db, { eventId: recorded.event.id, limit: 1_000 });
      return { ...presentEvent(recorded.event), deliveries: deliveries.map(presentDelivery), duplicate: !recorded.created };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/events', tag, role: 'viewer', summary: 'List events, newest first',
    query: EventListQuery, response: { status: 200, schema: EventPage, description: 'A page of events' },
    handler: async ({ query }) => {
      const rows = await listEvents(db, { type: query.type, since: query.since ? new Date(query.since) : undefined, cursor: query.cursor, limit: query.limit });
      return toPage(rows, query.limit, presentEvent);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/events/:id', tag, role: 'viewer', summary: 'Get an event with its deliveries',
    params: IdParams, response: { status: 200, schema: EventWithDeliveriesSchema, description: 'The event' }, errors: [404],
    handler: async ({ params }) => {
      const event = await findEvent(db, params.id);
      if (!event) throw new NotFoundError(`event ${params.id}`);
      const deliveries = await listDeliveries(db, { eventId: event.id, limit: 1_000 });
      return { ...presentEvent(event), deliveries: deliveries.map(presentDelivery) };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/events/:id/attempts', tag, role: 'viewer', summary: "An event's attempt log across endpoints, newest first",
    params: IdParams, query: AttemptListQuery, response: { status: 200, schema: AttemptPage, description: 'A page of attempts' }, errors: [404],
    handler: async ({ params, query }) => {
      if (!(await findEvent(db, params.id))) throw new NotFoundError(`event ${params.id}`);
      const rows = await listAttempts(db, { ...toAttemptFilter(query), eventId: params.id });
      return toPage(rows, query.limit, presentAttempt);
    },
  });

  return router;
}
