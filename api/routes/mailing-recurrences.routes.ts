import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from '../../lib/db/connect';
import {
  deleteRecurrence,
  findRecurrence,
  insertRecurrence,
  listOccurrences,
  listRecurrences,
  updateRecurrence,
} from '../../lib/db/mailing-recurrence.repository';
import type { MailingRecurrenceRow, MailingRecurrenceUpdate } from '../../lib/db/mailing-recurrence-tables';
import { dailyCron } from '../../lib/mailings/recurrence-timing';
import { deleteRecurrenceSchedule, describeRecurrenceSchedule, putRecurrenceSchedule } from '../../lib/temporal/mailing-recurrence-schedules';
import type { MailingWorkflowOptions } from '../../lib/temporal/mailing-workflows';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../errors';
import { presentMailing } from '../presenters';
import { presentRecurrence } from '../recurrence-presenters';
import { defineRoute } from '../route';
import { IdParams, toPage } from '../schemas/common.schemas';
import { toMailingFilter } from '../schemas/mailing.schemas';
import { CreateRecurrenceBody, OccurrencePage, RecurrenceListQuery, RecurrencePage, RecurrenceSchema, UpdateRecurrenceBody } from '../schemas/mailing-recurrence.schemas';
import { scheduleError } from '../temporal-errors';
import type { z } from '../openapi';

export interface RecurrenceRouteDeps {
  db: Db;
  temporal: Client;
  /** The occurrences' mailing workflows run on this task queue, as the mailings route starts them. */
  workflow: MailingWorkflowOptions;
}

const UNSYNCED = 'the recurrence’s Schedule could not be kept in step';

/** The row as an update, to put it back when Temporal refuses a change. */
const fieldsOf = (r: MailingRecurrenceRow): MailingRecurrenceUpdate => ({
  text: r.text,
  filter: JSON.stringify(r.filter),
  send_window: JSON.stringify(r.send_window),
  cron: r.cron,
  timezone: r.timezone,
  every_day_at: r.every_day_at,
  days: r.days,
  starts_at: r.starts_at,
  ends_at: r.ends_at,
  occurrence_minutes: r.occurrence_minutes,
  paused: r.paused,
});

/**
 * The schedule part of a PATCH merged with the row: a cron replaces the daily form; every_day_at or days alone keep
 * the other from the row (a recurrence on a cron needs both). The daily form always counts its days from a start.
 */
function scheduleChange(before: MailingRecurrenceRow, body: z.infer<typeof UpdateRecurrenceBody>): MailingRecurrenceUpdate {
  const change: MailingRecurrenceUpdate = {};
  if (body.cron !== undefined) Object.assign(change, { cron: body.cron, every_day_at: null, days: null });
  else if (body.every_day_at !== undefined || body.days !== undefined) {
    const at = body.every_day_at ?? before.every_day_at;
    const days = body.days ?? before.days;
    if (at === null || days === null) {
      const path = at === null ? 'body.every_day_at' : 'body.days';
      throw new ValidationError([{ path, message: 'is required: the recurrence runs on a cron (give every_day_at and days, or a cron)' }]);
    }
    Object.assign(change, { cron: dailyCron(at), every_day_at: at, days });
  }
  if (body.timezone !== undefined) change.timezone = body.timezone;
  if (body.starts_at !== undefined) change.starts_at = body.starts_at;
  if (body.ends_at !== undefined) change.ends_at = body.ends_at;
  const merged = <K extends 'days' | 'starts_at' | 'ends_at'>(key: K) => (change[key] !== undefined ? change[key] : before[key]);
  if (merged('days') !== null && merged('starts_at') === null) change.starts_at = new Date();
  const startsAt = merged('starts_at');
  const endsAt = merged('ends_at');
  if (startsAt && endsAt && new Date(endsAt) <= new Date(startsAt)) {
    const path = body.ends_at !== undefined ? 'body.ends_at' : 'body.starts_at';
    throw new ValidationError([{ path, message: path === 'body.ends_at' ? 'must be after starts_at' : 'must be before ends_at' }]);
  }
  return change;
}

/** Recurring mailings: each owns a Temporal Schedule that create, update (incl. pause) and delete keep in step. */
export function mailingRecurrenceRoutes({ db, temporal, workflow }: RecurrenceRouteDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'Mailing recurrences';

  async function load(id: number): Promise<MailingRecurrenceRow> {
    const row = await findRecurrence(db, id);
    if (!row) throw new NotFoundError(`mailing recurrence ${id}`);
    return row;
  }
  const describe = (id: number) =>
    describeRecurrenceSchedule(temporal, id).catch((err: unknown) => {
      throw new ServiceUnavailableError('Temporal is unavailable, so the Schedule’s next runs cannot be read.', err);
    });
  /** After a write: next runs when Temporal answers (the write itself already succeeded). */
  const nextRunsAfterWrite = (id: number) => describeRecurrenceSchedule(temporal, id).then((d) => d?.nextRuns ?? null, () => undefined);

  defineRoute(router, registry, {
    method: 'post', path: '/mailing-recurrences', tag, role: 'operator', summary: 'Create a recurring mailing and its Temporal Schedule (relay-mailing-recurrence-<id>); each fire time creates one mailing',
    body: CreateRecurrenceBody, response: { status: 201, schema: RecurrenceSchema, description: 'Created; its Schedule exists (paused when asked)' }, errors: [503],
    handler: async ({ body }) => {
      const daily = body.every_day_at !== undefined && body.days !== undefined;
      const row = await insertRecurrence(db, {
        text: body.text,
        filter: JSON.stringify(toMailingFilter(body.filter)),
        send_window: JSON.stringify(body.send_window),
        cron: daily ? dailyCron(body.every_day_at!) : body.cron!,
        timezone: body.timezone,
        every_day_at: daily ? body.every_day_at! : null,
        days: daily ? body.days! : null,
        // "For N days" counts from a fixed start, so the Schedule's end never moves.
        starts_at: body.starts_at ?? (daily ? new Date() : null),
        ends_at: body.ends_at ?? null,
        occurrence_minutes: body.occurrence_duration_minutes,
        paused: body.paused,
      });
      try {
        await putRecurrenceSchedule(temporal, workflow, row);
      } catch (err) {
        // The Schedule may exist even so (an answer lost on the way back): it goes with the row, as far as Temporal lets.
        await deleteRecurrenceSchedule(temporal, row.id).catch(() => undefined);
        await deleteRecurrence(db, row.id);
        throw scheduleError(err, daily ? 'body.every_day_at' : 'body.cron', 'the recurrence’s Schedule could not be created');
      }
      return presentRecurrence(row, await nextRunsAfterWrite(row.id));
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/mailing-recurrences', tag, role: 'viewer', summary: 'List recurring mailings',
    query: RecurrenceListQuery, response: { status: 200, schema: RecurrencePage, description: 'A page of recurrences (without next_runs)' },
    handler: async ({ query }) => toPage(await listRecurrences(db, query), query.limit, (row) => presentRecurrence(row)),
  });

  defineRoute(router, registry, {
    method: 'get', path: '/mailing-recurrences/:id', tag, role: 'viewer', summary: 'Get a recurring mailing with its next 5 fire times as its Temporal Schedule has them',
    params: IdParams, response: { status: 200, schema: RecurrenceSchema, description: 'The recurrence' }, errors: [404, 503],
    handler: async ({ params }) => {
      const row = await load(params.id);
      const described = await describe(row.id);
      return presentRecurrence(row, described ? described.nextRuns : null);
    },
  });

  defineRoute(router, registry, {
    method: 'patch', path: '/mailing-recurrences/:id', tag, role: 'operator',
    summary: 'Change a recurring mailing: template and schedule apply to occurrences from now on; paused=true pauses its Schedule, false resumes it',
    params: IdParams, body: UpdateRecurrenceBody, response: { status: 200, schema: RecurrenceSchema, description: 'The changed recurrence' }, errors: [404, 503],
    handler: async ({ params, body }) => {
      const before = await load(params.id);
      const change: MailingRecurrenceUpdate = scheduleChange(before, body);
      if (body.text !== undefined) change.text = body.text;
      if (body.filter !== undefined) change.filter = JSON.stringify(toMailingFilter(body.filter));
      if (body.send_window !== undefined) change.send_window = JSON.stringify(body.send_window);
      if (body.occurrence_duration_minutes !== undefined) change.occurrence_minutes = body.occurrence_duration_minutes;
      if (body.paused !== undefined) change.paused = body.paused;
      const row = await updateRecurrence(db, params.id, change);
      if (!row) throw new NotFoundError(`mailing recurrence ${params.id}`);
      try {
        await putRecurrenceSchedule(temporal, workflow, row);
      } catch (err) {
        await updateRecurrence(db, params.id, fieldsOf(before));
        throw scheduleError(err, row.every_day_at !== null ? 'body.every_day_at' : 'body.cron', UNSYNCED);
      }
      return presentRecurrence(row, await nextRunsAfterWrite(row.id));
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/mailing-recurrences/:id', tag, role: 'operator', summary: 'Delete a recurring mailing and its Schedule; the mailings of its occurrences stay (their recurrence_id becomes null)',
    params: IdParams, response: { status: 204, description: 'Deleted' }, errors: [404, 503],
    handler: async ({ params }) => {
      await load(params.id);
      await deleteRecurrenceSchedule(temporal, params.id).catch((err: unknown) => {
        throw scheduleError(err, 'params.id', 'the recurrence’s Schedule could not be deleted');
      });
      await deleteRecurrence(db, params.id);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/mailing-recurrences/:id/occurrences', tag, role: 'viewer', summary: 'The mailings a recurrence created, one per fire time (id order)',
    params: IdParams, query: RecurrenceListQuery, response: { status: 200, schema: OccurrencePage, description: 'A page of mailings' }, errors: [404],
    handler: async ({ params, query }) => {
      await load(params.id);
      return toPage(await listOccurrences(db, params.id, query), query.limit, presentMailing);
    },
  });

  return router;
}
