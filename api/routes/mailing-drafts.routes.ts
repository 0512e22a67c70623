import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from '../../lib/db/connect';
import type { MailingRow, MailingUpdate } from '../../lib/db/database';
import { isDraft, markDraftScheduled, revertToDraft, updateDraft } from '../../lib/db/mailing-draft.repository';
import { findMailing } from '../../lib/db/mailing.repository';
import { executeMailingTest } from '../../lib/temporal/mailing-test-workflows';
import type { MailingWorkflowOptions } from '../../lib/temporal/mailing-workflows';
import type { WorkerPresence } from '../../lib/temporal/worker-presence';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError, type FieldError } from '../errors';
import { presentMailing } from '../presenters';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common.schemas';
import { MailingTestBody, MailingTestResultSchema, ScheduleMailingBody } from '../schemas/mailing-draft.schemas';
import { MailingSchema } from '../schemas/mailing.schemas';
import { withTemporal } from '../temporal-errors';
import { launchMailing } from './mailing-launch';

export interface MailingDraftRouteDeps {
  db: Db;
  temporal: Client;
  workflow: MailingWorkflowOptions;
  presence: WorkerPresence;
}

/**
 * Changes a draft in place (no workflow: every field may change), in a transaction that locks the row, so the times it
 * checks are the times it writes. 409 when the mailing was scheduled meanwhile.
 */
export async function patchDraft(db: Db, id: number, patch: MailingUpdate & { starts_at?: string; ends_at?: string }): Promise<MailingRow> {
  return db.transaction().execute(async (trx) => {
    const row = await findMailing(trx, id, { forUpdate: true });
    if (!row) throw new NotFoundError(`mailing ${id}`);
    if (!isDraft(row)) throw new ConflictError(`Mailing ${id} was scheduled meanwhile; read it again and retry.`);
    const startsAt = patch.starts_at ?? row.starts_at.toISOString();
    const endsAt = patch.ends_at ?? row.ends_at.toISOString();
    if (Date.parse(endsAt) <= Date.parse(startsAt)) {
      throw new ConflictError('ends_at must be after starts_at.', [{ path: 'body.ends_at', message: 'must be after starts_at' }]);
    }
    const updated = await updateDraft(trx, id, patch);
    if (!updated) throw new ConflictError(`Mailing ${id} was scheduled meanwhile; read it again and retry.`);
    return updated;
  });
}

/** A failed test run whose activity found the mailing gone. */
const mailingGone = (err: WorkflowFailedError): boolean =>
  err.cause instanceof ActivityFailure && err.cause.cause instanceof ApplicationFailure && err.cause.cause.type === 'MailingNotFoundError';

/** POST /mailings/{id}/schedule and POST /mailings/{id}/test. */
export function mailingDraftRoutes({ db, temporal, workflow, presence }: MailingDraftRouteDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'Mailings';

  defineRoute(router, registry, {
    method: 'post', path: '/mailings/:id/schedule', tag, role: 'operator',
    summary: "Schedule a draft: checks its times (ends_at after starts_at and in the future; new ones may be given), makes it scheduled and starts its workflow as creating a mailing does",
    params: IdParams, body: ScheduleMailingBody, response: { status: 200, schema: MailingSchema, description: 'Scheduled; workflow mailing-<id> started' }, errors: [404, 409, 503],
    handler: async ({ params, body }) => {
      const { previous, row } = await db.transaction().execute(async (trx) => {
        const draft = await findMailing(trx, params.id, { forUpdate: true });
        if (!draft) throw new NotFoundError(`mailing ${params.id}`);
        if (!isDraft(draft)) throw new ConflictError(`Mailing ${params.id} is ${draft.status}, not a draft: only a draft can be scheduled.`);
        const startsAt = body.starts_at ?? draft.starts_at.toISOString();
        const endsAt = body.ends_at ?? draft.ends_at.toISOString();
        const own = body.ends_at === undefined ? ` (the draft's ends_at is ${endsAt}: give a new one)` : '';
        const errors: FieldError[] = [];
        if (Date.parse(endsAt) <= Date.parse(startsAt)) errors.push({ path: 'body.ends_at', message: `must be after starts_at${own}` });
        else if (Date.parse(endsAt) <= Date.now()) errors.push({ path: 'body.ends_at', message: `must be in the future${own}` });
        if (errors.length > 0) throw new ValidationError(errors, 'The draft cannot be scheduled with these times; nothing was changed.');
        const scheduled = await markDraftScheduled(trx, draft.id, { starts_at: startsAt, ends_at: endsAt });
        if (!scheduled) throw new ConflictError(`Mailing ${params.id} is no longer a draft.`);
        return { previous: draft, row: scheduled };
      });
      await launchMailing(temporal, workflow, row, () => revertToDraft(db, previous));
      return presentMailing(row);
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/mailings/:id/test', tag, role: 'operator',
    summary: "Send the mailing's text now to 1-10 phones (a draft too) and return each provider answer. Runs as the short workflow mailing-test-<id>-<uuid>; not counted in the mailing's statistics (logged in mailing_test_sends). 503 at once, nothing sent, when no worker runs",
    params: IdParams, body: MailingTestBody, response: { status: 200, schema: MailingTestResultSchema, description: "Each phone's answer" }, errors: [404, 503],
    handler: async ({ params, body }) => {
      const mailing = await findMailing(db, params.id);
      if (!mailing) throw new NotFoundError(`mailing ${params.id}`);
      if (!(await presence.hasWorker(workflow.taskQueue))) {
        throw new ServiceUnavailableError('No worker is running to send the test; nothing was sent. Retry when a worker runs.');
      }
      try {
        const { workflowId, result } = await withTemporal('test', () => executeMailingTest(temporal, workflow, mailing.id, body.phones));
        return {
          mailing_id: result.mailingId,
          workflow_id: workflowId,
          results: result.results.map((r) => ({
            phone: r.phone,
            ok: r.ok,
            outcome: r.outcome,
            status_code: r.statusCode,
            provider_message_id: r.providerMessageId,
            error: r.error,
            duration_ms: r.durationMs,
          })),
        };
      } catch (err) {
        if (err instanceof WorkflowFailedError && mailingGone(err)) throw new NotFoundError(`mailing ${params.id}`);
        if (err instanceof WorkflowFailedError) {
          throw new ServiceUnavailableError('The test send did not complete in time (is a worker running?); some phones may have got it.', err);
        }
        throw err;
      }
    },
  });

  return router;
}
