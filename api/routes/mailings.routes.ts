import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from '../../lib/db/connect';
import type { MailingRow } from '../../lib/db/database';
import { deleteMailing, findMailing, insertMailing, isMailingFinished, listMailings, updateMailing } from '../../lib/db/mailing.repository';
import { isDraft } from '../../lib/db/mailing-draft.repository';
import {
  cancelMailingWorkflow,
  editMailingWorkflow,
  pauseMailingWorkflow,
  resumeMailingWorkflow,
  type MailingWorkflowOptions,
} from '../../lib/temporal/mailing-workflows';
import { WorkerPresence } from '../../lib/temporal/worker-presence';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../errors';
import { presentMailing } from '../presenters';
import { defineRoute } from '../route';
import { IdParams, toPage } from '../schemas/common.schemas';
import { CreateMailingBody, MailingListQuery, MailingPage, MailingSchema, ProgressSchema, toMailingFilter, UpdateMailingBody } from '../schemas/mailing.schemas';
import { isWorkflowGone, withTemporal } from '../temporal-errors';
import { mailingDraftRoutes, patchDraft } from './mailing-drafts.routes';
import { mailingEventRoutes, type EventStreamOptions } from './mailing-events';
import { launchMailing } from './mailing-launch';
import { readProgress, type ProgressSource } from './mailing-progress';

export interface MailingRouteDeps {
  db: Db;
  temporal: Client;
  workflow: MailingWorkflowOptions;
  /** Limits of the progress event streams (GET /mailings/{id}/events); defaults in mailing-events.ts. */
  events?: Partial<EventStreamOptions>;
}

/** How long PATCH waits for the workflow to confirm an edit (a worker was seen polling just before). */
const EDIT_TIMEOUT_MS = 5_000;

export function mailingRoutes({ db, temporal, workflow, events }: MailingRouteDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'Mailings';
  const progress: ProgressSource = { db, temporal, presence: new WorkerPresence(temporal), taskQueue: workflow.taskQueue };

  async function load(id: number): Promise<MailingRow> {
    const row = await findMailing(db, id);
    if (!row) throw new NotFoundError(`mailing ${id}`);
    return row;
  }

  /** A draft has no workflow to pause, resume or cancel. */
  function refuseDraft(row: MailingRow, action: string): void {
    if (isDraft(row)) {
      throw new ConflictError(`Mailing ${row.id} is a draft: it has no workflow to ${action}. Schedule it (POST /mailings/${row.id}/schedule) or delete it.`);
    }
  }

  defineRoute(router, registry, {
    method: 'post', path: '/mailings', tag, role: 'operator', summary: 'Create a mailing; its workflow starts at once and sends from starts_at. With draft: true it is saved as a draft and no workflow starts (POST /mailings/{id}/schedule later)',
    body: CreateMailingBody, response: { status: 201, schema: MailingSchema, description: 'Created; workflow mailing-<id> started (a draft: none yet)' }, errors: [503],
    handler: async ({ body }) => {
      // Committed before the workflow starts, so its first activity always finds the row; if Temporal refuses the
      // start, the row is removed again and the caller gets a 503 with nothing left behind.
      const row = await insertMailing(db, {
        text: body.text,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        filter: JSON.stringify(toMailingFilter(body.filter)),
        send_window: JSON.stringify(body.send_window),
        send_rate_per_s: body.send_rate_per_s ?? null,
        ...(body.draft ? { status: 'draft' as const } : {}),
      });
      if (!body.draft) await launchMailing(temporal, workflow, row, () => deleteMailing(db, row.id));
      return presentMailing(row);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/mailings', tag, role: 'viewer', summary: 'List mailings',
    query: MailingListQuery, response: { status: 200, schema: MailingPage, description: 'A page of mailings' },
    handler: async ({ query }) => {
      const rows = await listMailings(db, { status: query.status as MailingRow['status'] | undefined, cursor: query.cursor, limit: query.limit });
      return toPage(rows, query.limit, presentMailing);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/mailings/:id', tag, role: 'viewer', summary: 'Get a mailing',
    params: IdParams, response: { status: 200, schema: MailingSchema, description: 'The mailing' }, errors: [404],
    handler: async ({ params }) => presentMailing(await load(params.id)),
  });

  defineRoute(router, registry, {
    method: 'patch', path: '/mailings/:id', tag, role: 'operator',
    summary: 'Change a mailing: text and ends_at any time before it finishes; starts_at and filter only before it starts. The workflow applies it: 503 at once when no worker runs (nothing changed), 503 after 5 s when a worker did not confirm it (it may still apply: read the mailing again). A draft has no workflow: every field changes at once',
    params: IdParams, body: UpdateMailingBody, response: { status: 200, schema: MailingSchema, description: 'Updated' }, errors: [404, 409, 503],
    handler: async ({ params, body }) => {
      const current = await load(params.id);
      if (isMailingFinished(current)) throw new ConflictError(`Mailing ${params.id} is ${current.status}; it cannot change.`);
      const startsAt = body.starts_at ?? current.starts_at.toISOString();
      const endsAt = body.ends_at ?? current.ends_at.toISOString();
      if (Date.parse(endsAt) <= Date.parse(startsAt)) {
        throw new ConflictError('ends_at must be after starts_at.', [{ path: 'body.ends_at', message: 'must be after starts_at' }]);
      }
      if (isDraft(current)) {
        const patch = {
          ...(body.text !== undefined ? { text: body.text } : {}),
          ...(body.starts_at !== undefined ? { starts_at: body.starts_at } : {}),
          ...(body.ends_at !== undefined ? { ends_at: body.ends_at } : {}),
          ...(body.filter !== undefined ? { filter: JSON.stringify(toMailingFilter(body.filter)) } : {}),
          ...(body.send_window !== undefined ? { send_window: JSON.stringify(body.send_window) } : {}),
          ...(body.send_rate_per_s !== undefined ? { send_rate_per_s: body.send_rate_per_s } : {}),
        };
        return presentMailing(await patchDraft(db, params.id, patch));
      }
      // The rate cap is read by the send activity at each batch: it needs no workflow edit.
      if (body.send_rate_per_s !== undefined) await updateMailing(db, params.id, { send_rate_per_s: body.send_rate_per_s });
      const { send_rate_per_s: _rate, ...workflowFields } = body;
      if (Object.values(workflowFields).every((v) => v === undefined)) return presentMailing(await load(params.id));
      // The workflow owns the edit: its validator refuses what the phase no longer allows (409), its handler
      // writes the row and its own state together. The API only waits for that, bounded: with no worker polling the
      // edit is not even sent (503, nothing changed); one that is not confirmed in 5 s is a 503 saying it may apply.
      if (!(await progress.presence.hasWorker(workflow.taskQueue))) {
        throw new ServiceUnavailableError('No worker is running to apply the edit; nothing was changed. Retry when a worker runs.');
      }
      await withTemporal('edit', () =>
        temporal.withDeadline(Date.now() + EDIT_TIMEOUT_MS, () =>
          editMailingWorkflow(temporal, params.id, {
            text: body.text,
            startsAt: body.starts_at,
            endsAt: body.ends_at,
            filter: body.filter ? toMailingFilter(body.filter) : undefined,
            sendWindow: body.send_window,
          }),
        ),
      );
      return presentMailing(await load(params.id));
    },
  });

  const control = (action: 'pause' | 'resume', call: (id: number) => Promise<void>) =>
    defineRoute(router, registry, {
      method: 'post', path: `/mailings/:id/${action}`, tag, role: 'operator', summary: `${action[0].toUpperCase()}${action.slice(1)} a mailing (a signal: Temporal keeps it, so it is accepted even with no worker running and applies when one runs)`,
      params: IdParams, response: { status: 202, schema: ProgressSchema, description: 'Accepted; progress (live: false when no worker answered yet)' }, errors: [404, 409, 503],
      handler: async ({ params }) => {
        const row = await load(params.id);
        if (isMailingFinished(row)) throw new ConflictError(`Mailing ${params.id} is ${row.status}.`);
        refuseDraft(row, action);
        await withTemporal(action, () => call(params.id));
        return readProgress(progress, row);
      },
    });
  control('pause', (id) => pauseMailingWorkflow(temporal, id));
  control('resume', (id) => resumeMailingWorkflow(temporal, id));

  defineRoute(router, registry, {
    method: 'post', path: '/mailings/:id/cancel', tag, role: 'operator', summary: 'Cancel a mailing; pending messages become cancelled, statistics stay',
    params: IdParams, response: { status: 202, schema: MailingSchema, description: 'Cancellation requested' }, errors: [404, 409, 503],
    handler: async ({ params }) => {
      const row = await load(params.id);
      if (isMailingFinished(row)) throw new ConflictError(`Mailing ${params.id} is ${row.status}.`);
      refuseDraft(row, 'cancel');
      await withTemporal('cancel', () => cancelMailingWorkflow(temporal, params.id));
      return presentMailing(row);
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/mailings/:id', tag, role: 'operator', summary: 'Cancel the mailing workflow and delete the mailing with its messages',
    params: IdParams, response: { status: 204, description: 'Deleted' }, errors: [404, 503],
    handler: async ({ params }) => {
      const row = await load(params.id);
      if (!isMailingFinished(row) && !isDraft(row)) {
        await withTemporal('cancel', async () => {
          try {
            await cancelMailingWorkflow(temporal, params.id);
          } catch (err) {
            if (!isWorkflowGone(err)) throw err;
          }
        });
      }
      await deleteMailing(db, params.id);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/mailings/:id/progress', tag, role: 'viewer', summary: 'Progress: counts from the database (never behind), phase and next wake-up from the workflow when a worker answers within 500 ms (live: true), else from the mailing row (live: false)',
    params: IdParams, response: { status: 200, schema: ProgressSchema, description: 'Progress' }, errors: [404],
    handler: async ({ params }) => readProgress(progress, await load(params.id)),
  });

  router.use(mailingDraftRoutes({ db, temporal, workflow, presence: progress.presence }, registry));
  router.use(mailingEventRoutes(progress, registry, events));
  return router;
}
