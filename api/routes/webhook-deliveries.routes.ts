import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { Router } from 'express';
import { countFailedDeliveries, findDelivery, findDeliveryHandle, listAttempts, listDeliveries, markDispatched, setDeliveryStatus } from '../../lib/db/webhook-delivery.repository';
import { recordEvent } from '../../lib/db/webhook-event.repository';
import { webhookStats } from '../../lib/db/webhook-stats.repository';
import { describeRecovery, executeDeliveryWorkflow, startRecoverWorkflow } from '../../lib/temporal/webhook-workflows';
import { restartDelivery } from '../../lib/webhooks/restart';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../errors';
import { defineRoute } from '../route';
import { IdParams, toPage } from '../schemas/common.schemas';
import {
  AttemptListQuery,
  toAttemptFilter,
  AttemptPage,
  DeliveryListQuery,
  DeliveryPage,
  DeliverySchema,
  RecoverBody,
  RecoverStartedSchema,
  RecoverySchema,
  StatsQuery,
  TestEndpointBody,
  TestResultSchema,
  WebhookStatsSchema,
} from '../schemas/webhook.schemas';
import { withTemporal } from '../temporal-errors';
import { presentAttempt, presentDelivery, presentStats } from '../webhook-presenters';
import { loadEndpoint, type WebhookRouteDeps } from './webhook-deps';

export function webhookDeliveryRoutes(deps: WebhookRouteDeps, registry: OpenAPIRegistry): Router {
  const { db, temporal, options } = deps;
  const router = Router();
  const tag = 'Webhook deliveries';

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/deliveries', tag, role: 'viewer', summary: 'List deliveries (one per event and endpoint)',
    query: DeliveryListQuery, response: { status: 200, schema: DeliveryPage, description: 'A page of deliveries' },
    handler: async ({ query }) => {
      const rows = await listDeliveries(db, { endpointId: query.endpoint_id, eventId: query.event_id, status: query.status as never, cursor: query.cursor, limit: query.limit });
      return toPage(rows, query.limit, presentDelivery);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/deliveries/:id', tag, role: 'viewer', summary: 'Get a delivery',
    params: IdParams, response: { status: 200, schema: DeliverySchema, description: 'The delivery' }, errors: [404],
    handler: async ({ params }) => {
      const row = await findDelivery(db, params.id);
      if (!row) throw new NotFoundError(`delivery ${params.id}`);
      return presentDelivery(row);
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/webhooks/deliveries/:id/resend', tag, role: 'operator',
    summary: 'Deliver again: the workflow runs anew (full retry schedule), attempt numbers continue',
    params: IdParams, response: { status: 202, schema: DeliverySchema, description: 'Its workflow started again' }, errors: [404, 409, 503],
    handler: async ({ params }) => {
      const handle = await findDeliveryHandle(db, params.id);
      if (!handle) throw new NotFoundError(`delivery ${params.id}`);
      const started = await withTemporal('resend', () => restartDelivery(db, temporal, options, handle, 'resend'));
      if (started === 'running') throw new ConflictError(`delivery ${params.id} is still being attempted; its workflow is running`);
      const row = await findDelivery(db, params.id);
      if (!row) throw new NotFoundError(`delivery ${params.id}`);
      return presentDelivery(row);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/endpoints/:id/attempts', tag, role: 'viewer', summary: "An endpoint's attempt log, newest first",
    params: IdParams, query: AttemptListQuery, response: { status: 200, schema: AttemptPage, description: 'A page of attempts' }, errors: [404],
    handler: async ({ params, query }) => {
      await loadEndpoint(db, params.id);
      const rows = await listAttempts(db, { ...toAttemptFilter(query), endpointId: params.id });
      return toPage(rows, query.limit, presentAttempt);
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/webhooks/endpoints/:id/test', tag, role: 'operator',
    summary: 'Send a webhook.test event to this endpoint now (one attempt) and return what happened',
    params: IdParams, body: TestEndpointBody, response: { status: 200, schema: TestResultSchema, description: 'The attempt' }, errors: [404, 503],
    handler: async ({ params, body }) => {
      const endpoint = await loadEndpoint(db, params.id);
      const recorded = await recordEvent(db, {
        type: 'webhook.test',
        payload: { endpointId: endpoint.id, message: body.message },
        source: 'system',
        onlyEndpointId: endpoint.id,
      });
      const delivery = recorded.deliveries[0];
      if (!delivery) throw new NotFoundError(`webhook endpoint ${params.id}`); // deleted meanwhile
      const ref = { deliveryId: delivery.id, eventId: recorded.event.id, endpointId: endpoint.id, eventType: 'webhook.test' };
      await markDispatched(db, [delivery.id]); // this request runs it; the sweep must never start it later
      const result = await withTemporal('test', () => executeDeliveryWorkflow(temporal, options, ref, { trigger: 'test', firstAttempt: 1, maxAttempts: 1 })).catch(
        async (err: unknown) => {
          // The delivery of a test that never ran is over: it must not wait for the dispatch sweep.
          await setDeliveryStatus(db, delivery.id, 'cancelled', 'the test did not run');
          if (err instanceof WorkflowFailedError) throw new ServiceUnavailableError('The test did not complete in time (is a worker running?).', err);
          throw err;
        },
      );
      return {
        delivered: result.status === 'succeeded',
        event_id: recorded.event.id,
        delivery_id: delivery.id,
        status_code: result.last?.statusCode ?? null,
        duration_ms: result.last?.durationMs ?? 0,
        error: result.last?.error ?? null,
        response_body: result.last?.responseBody ?? null,
      };
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/webhooks/endpoints/:id/recover', tag, role: 'operator',
    summary: 'Deliver again every failed delivery of this endpoint created since a date (a background workflow)',
    params: IdParams, body: RecoverBody, response: { status: 202, schema: RecoverStartedSchema, description: 'Recovery started' }, errors: [404, 409, 503],
    handler: async ({ params, body }) => {
      await loadEndpoint(db, params.id);
      const input = { endpointId: params.id, since: new Date(body.since).toISOString(), until: new Date(body.until ?? Date.now()).toISOString() };
      const workflowId = await withTemporal('recover', () =>
        startRecoverWorkflow(temporal, options, input).catch((err: unknown) => {
          if (err instanceof WorkflowExecutionAlreadyStartedError) return null;
          throw err;
        }),
      );
      if (workflowId === null) throw new ConflictError(`a recovery of endpoint ${params.id} is already running`);
      return { workflow_id: workflowId, since: input.since, until: input.until };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/endpoints/:id/recover', tag, role: 'viewer',
    summary: "The endpoint's latest recovery: its workflow's status, window, deliveries restarted and failed ones left",
    params: IdParams, response: { status: 200, schema: RecoverySchema, description: 'The latest recovery' }, errors: [404, 503],
    handler: async ({ params }) => {
      await loadEndpoint(db, params.id);
      const run = await withTemporal('recovery status', () => describeRecovery(temporal, params.id));
      if (!run) throw new NotFoundError(`recovery of webhook endpoint ${params.id}`);
      const failedRemaining =
        run.since !== null && run.until !== null
          ? await countFailedDeliveries(db, { endpointId: params.id, since: new Date(run.since), until: new Date(run.until) })
          : null;
      const statuses = RecoverySchema.shape.status.options as readonly string[];
      return {
        workflow_id: run.workflowId,
        status: (statuses.includes(run.status) ? run.status : 'unknown') as (typeof RecoverySchema.shape.status.options)[number],
        since: run.since,
        until: run.until,
        started_at: run.startedAt.toISOString(),
        closed_at: run.closedAt ? run.closedAt.toISOString() : null,
        restarted: run.restarted,
        failed_remaining: failedRemaining,
      };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/endpoints/:id/stats', tag, role: 'viewer', summary: "An endpoint's deliveries by status, success rate and latency percentiles",
    params: IdParams, query: StatsQuery, response: { status: 200, schema: WebhookStatsSchema, description: 'Statistics' }, errors: [404],
    handler: async ({ params, query }) => {
      await loadEndpoint(db, params.id);
      return presentStats(await webhookStats(db, { endpointId: params.id, since: query.since ? new Date(query.since) : undefined }));
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/stats', tag, role: 'viewer', summary: 'Deliveries by status, success rate and latency percentiles over all endpoints',
    query: StatsQuery, response: { status: 200, schema: WebhookStatsSchema, description: 'Statistics' },
    handler: async ({ query }) => presentStats(await webhookStats(db, { since: query.since ? new Date(query.since) : undefined })),
  });

  return router;
}
