import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Router } from 'express';
import { listRecords } from '../../lib/db/integration-record.repository';
import { findRun, IntegrationMissingError, listRuns } from '../../lib/db/integration-run.repository';
import { startRun } from '../../lib/integrations/start-run';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../errors';
import { presentRecord, presentRun } from '../integration-presenters';
import { z } from '../openapi';
import { defineRoute } from '../route';
import { idParam, IdParams, toPage } from '../schemas/common.schemas';
import { RecordListQuery, RecordPage, RunListQuery, RunPage, RunSchema, SyncBody, SyncStartedSchema } from '../schemas/integration.schemas';
import { loadIntegration, type IntegrationRouteDeps } from './integration-deps';

const RunParams = IdParams.extend({ run_id: idParam('run_id') });

/** Sync now / full resync, the run history, and the synced records. */
export function integrationRunRoutes(deps: IntegrationRouteDeps, registry: OpenAPIRegistry): Router {
  const { db, temporal, options } = deps;
  const router = Router();
  const tag = 'Integration runs';

  const syncNow = async (id: number, fullResync: boolean) => {
    const integration = await loadIntegration(db, id);
    let outcome;
    try {
      outcome = await startRun(db, temporal, options, integration, { trigger: 'manual', fullResync });
    } catch (err) {
      if (err instanceof ServiceError) throw new ServiceUnavailableError('Temporal is unavailable; no sync started (a run opened for it is recorded as failed).', err);
      if (err instanceof IntegrationMissingError) throw new NotFoundError(`integration ${id}`);
      throw err;
    }
    if (!outcome.started) {
      throw new ConflictError(`integration ${id} is syncing already (run ${outcome.running.id}, workflow ${outcome.running.workflow_id ?? 'starting'}); runs never overlap`);
    }
    return { run: presentRun(outcome.run), workflow_id: outcome.workflowId };
  };

  defineRoute(router, registry, {
    method: 'post', path: '/integrations/:id/sync', tag, role: 'operator', summary: 'Sync now (incrementally from the saved cursor, or from scratch with full_resync)',
    params: IdParams, body: SyncBody, response: { status: 202, schema: SyncStartedSchema, description: 'The run started' }, errors: [404, 409, 503],
    handler: async ({ params, body }) => syncNow(params.id, body.full_resync),
  });

  defineRoute(router, registry, {
    method: 'post', path: '/integrations/:id/resync', tag, role: 'operator', summary: 'Full resync: the cursor goes back to the beginning and every record is fetched again',
    params: IdParams, response: { status: 202, schema: SyncStartedSchema, description: 'The run started' }, errors: [404, 409, 503],
    handler: async ({ params }) => syncNow(params.id, true),
  });

  defineRoute(router, registry, {
    method: 'get', path: '/integrations/:id/runs', tag, role: 'viewer', summary: 'Runs of an integration, newest first',
    params: IdParams, query: RunListQuery, response: { status: 200, schema: RunPage, description: 'A page of runs' }, errors: [404],
    handler: async ({ params, query }) => {
      await loadIntegration(db, params.id);
      return toPage(await listRuns(db, params.id, query), query.limit, presentRun);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/integrations/:id/runs/:run_id', tag, role: 'viewer', summary: 'One run: status, pages, fetched, inserted, updated, error',
    params: RunParams, response: { status: 200, schema: RunSchema, description: 'The run' }, errors: [404],
    handler: async ({ params }) => {
      const run = await findRun(db, params.run_id);
      if (!run || run.integration_id !== params.id) throw new NotFoundError(`run ${params.run_id} of integration ${params.id}`);
      return presentRun(run);
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/integrations/:id/runs/:run_id/cancel', tag, role: 'operator',
    summary: 'Cancel a running sync: its workflow stops after the page in flight; stored pages and the cursor stay',
    params: RunParams, response: { status: 202, schema: RunSchema, description: 'Cancellation requested' }, errors: [404, 409, 503],
    handler: async ({ params }) => {
      const run = await findRun(db, params.run_id);
      if (!run || run.integration_id !== params.id) throw new NotFoundError(`run ${params.run_id} of integration ${params.id}`);
      const workflowId = run.workflow_id;
      if (run.status !== 'running' || workflowId === null) throw new ConflictError(`run ${run.id} is ${run.status}; only a running run can be cancelled`);
      try {
        await temporal.workflow.getHandle(workflowId).cancel();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ConflictError(`the workflow of run ${run.id} is no longer running`);
        if (err instanceof ServiceError) throw new ServiceUnavailableError('Temporal is unavailable; nothing was cancelled.', err);
        throw err;
      }
      return presentRun(run);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/integrations/:id/records', tag, role: 'viewer', summary: 'Records of an integration in id order; modified_since keeps those changed since',
    params: IdParams, query: RecordListQuery, response: { status: 200, schema: RecordPage, description: 'A page of records' }, errors: [404],
    handler: async ({ params, query }) => {
      await loadIntegration(db, params.id);
      const rows = await listRecords(db, params.id, {
        modifiedSince: query.modified_since === undefined ? undefined : new Date(query.modified_since),
        externalId: query.external_id,
        cursor: query.cursor,
        limit: query.limit,
      });
      return toPage(rows, query.limit, presentRecord);
    },
  });

  return router;
}
