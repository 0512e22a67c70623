import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Router } from 'express';
import { deleteIntegration, insertIntegration, listIntegrations, updateIntegration, type IntegrationFields } from '../../lib/db/integration.repository';
import { runningRun } from '../../lib/db/integration-run.repository';
import type { IntegrationRow } from '../../lib/db/integration-tables';
import { deleteIntegrationSchedule, describeIntegrationSchedule, putIntegrationSchedule } from '../../lib/temporal/integration-workflows';
import { stableStringify } from '../../lib/integrations/record-hash';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from '../errors';
import { presentIntegration } from '../integration-presenters';
import { defineRoute } from '../route';
import { IdParams, toPage } from '../schemas/common.schemas';
import { CreateIntegrationBody, IntegrationListQuery, IntegrationPage, IntegrationSchema, UpdateIntegrationBody } from '../schemas/integration.schemas';
import { assertCredentialFits, loadIntegration, parseProviderConfig, providerOf, type IntegrationRouteDeps } from './integration-deps';

const GRPC_INVALID_ARGUMENT = 3;

/**
 * Why creating or updating a Schedule failed: a spec Temporal refuses is the caller's 400 (the schedule client turns
 * the server's INVALID_ARGUMENT into a TypeError); a Temporal that cannot be reached is a 503.
 */
function putScheduleError(err: unknown): unknown {
  if (err instanceof TypeError) return new ValidationError([{ path: 'body.schedule', message: `Temporal refused the schedule: ${err.message}` }]);
  if (err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === GRPC_INVALID_ARGUMENT) {
    return new ValidationError([{ path: 'body.schedule', message: `Temporal refused the schedule: ${err.cause.details || err.message}` }]);
  }
  return temporalError(err);
}

/** Temporal unreachable: a 503 (nothing was changed); anything else stays what it is. */
function temporalError(err: unknown): unknown {
  if (err instanceof ServiceError) return new ServiceUnavailableError('Temporal is unavailable, so the integration’s Schedule could not be kept in step; nothing was changed.', err);
  return err;
}

const fieldsOf = (row: IntegrationRow): IntegrationFields => ({
  name: row.name,
  provider: row.provider,
  credential_id: row.credential_id,
  config: row.config,
  schedule: row.schedule,
  active: row.active,
  priority: row.priority,
});

/** Integrations: each owns a Temporal Schedule that create, update (incl. pause via active=false) and delete keep in step. */
export function integrationRoutes(deps: IntegrationRouteDeps, registry: OpenAPIRegistry): Router {
  const { db, temporal, plugins, urlPolicy, options } = deps;
  const router = Router();
  const tag = 'Integrations';

  defineRoute(router, registry, {
    method: 'post', path: '/integrations', tag, role: 'operator', summary: 'Create an integration and its Temporal Schedule',
    body: CreateIntegrationBody, response: { status: 201, schema: IntegrationSchema, description: 'Created; its Schedule exists (paused when inactive)' }, errors: [503],
    handler: async ({ body }) => {
      const provider = providerOf(plugins, body.provider);
      const config = await parseProviderConfig(provider, body.config, urlPolicy);
      await assertCredentialFits(db, provider, body.credential_id, config);
      const row = await insertIntegration(db, { ...body, config });
      try {
        await putIntegrationSchedule(temporal, options, row);
      } catch (err) {
        // The Schedule may exist even so (an answer lost on the way back): it goes with the row, as far as Temporal lets.
        await deleteIntegrationSchedule(temporal, row.id).catch(() => undefined);
        await deleteIntegration(db, row.id);
        throw putScheduleError(err);
      }
      return presentIntegration(row);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/integrations', tag, role: 'viewer', summary: 'List integrations',
    query: IntegrationListQuery, response: { status: 200, schema: IntegrationPage, description: 'A page of integrations' },
    handler: async ({ query }) => {
      const active = query.active === undefined ? undefined : query.active === 'true';
      const rows = await listIntegrations(db, { provider: query.provider, active, cursor: query.cursor, limit: query.limit });
      return toPage(rows, query.limit, (row) => presentIntegration(row));
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/integrations/:id', tag, role: 'viewer', summary: 'Get an integration with its Schedule as Temporal has it',
    params: IdParams, response: { status: 200, schema: IntegrationSchema, description: 'The integration' }, errors: [404, 503],
    handler: async ({ params }) => {
      const row = await loadIntegration(db, params.id);
      const schedule = await describeIntegrationSchedule(temporal, row.id).catch((err: unknown) => {
        throw temporalError(err);
      });
      return presentIntegration(row, schedule);
    },
  });

  defineRoute(router, registry, {
    method: 'patch', path: '/integrations/:id', tag, role: 'operator', summary: 'Change an integration; active=false pauses its Schedule, true resumes it',
    params: IdParams, body: UpdateIntegrationBody, response: { status: 200, schema: IntegrationSchema, description: 'The changed integration' }, errors: [404, 409, 503],
    handler: async ({ params, body }) => {
      const before = await loadIntegration(db, params.id);
      const provider = providerOf(plugins, before.provider, 'params.id');
      const change: Partial<IntegrationFields> & { cursor?: null } = { ...body };
      if (body.config !== undefined) change.config = await parseProviderConfig(provider, body.config, urlPolicy);
      const configChanged = change.config !== undefined && stableStringify(change.config) !== stableStringify(before.config);
      if (configChanged) {
        // Another source (repository, URL, filter): the checkpoint of the old one would skip records of the new one.
        const running = await runningRun(db, params.id);
        if (running) throw new ConflictError(`integration ${params.id} is syncing (run ${running.id}); change its config when the run has ended or after cancelling it`);
        change.cursor = null;
      }
      if (body.credential_id !== undefined || body.config !== undefined) {
        await assertCredentialFits(db, provider, body.credential_id === undefined ? before.credential_id : body.credential_id, change.config ?? before.config);
      }
      const row = await updateIntegration(db, params.id, change);
      if (!row) throw new NotFoundError(`integration ${params.id}`);
      try {
        await putIntegrationSchedule(temporal, options, row);
      } catch (err) {
        // Back as it was; the cursor only when this change reset it (a run may have moved it on meanwhile otherwise).
        await updateIntegration(db, params.id, { ...fieldsOf(before), ...(configChanged ? { cursor: before.cursor } : {}) });
        throw putScheduleError(err);
      }
      return presentIntegration(row);
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/integrations/:id', tag, role: 'operator', summary: 'Delete an integration, its Schedule, runs and records (a running sync is cancelled)',
    params: IdParams, response: { status: 204, description: 'Deleted' }, errors: [404, 503],
    handler: async ({ params }) => {
      await loadIntegration(db, params.id);
      await deleteIntegrationSchedule(temporal, params.id).catch((err: unknown) => {
        throw temporalError(err);
      });
      const running = await runningRun(db, params.id);
      if (running?.workflow_id) {
        await temporal.workflow
          .getHandle(running.workflow_id)
          .cancel()
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw temporalError(err); // already ended: nothing to cancel
          });
      }
      await deleteIntegration(db, params.id);
    },
  });

  return router;
}
