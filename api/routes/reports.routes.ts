import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ServiceError, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from '../../lib/db/connect';
import { findDailyReport, type DailyReportRecord } from '../../lib/db/daily-report.repository';
import { countReportRecipients, deleteReportRecipient, insertReportRecipient, listReportRecipients } from '../../lib/db/report-recipient.repository';
import type { ReportRecipientRow } from '../../lib/db/report-tables';
import { collectDailyFigures, isQuietDay, type DailyFigures } from '../../lib/reports/daily-figures';
import { localDayRange } from '../../lib/reports/report-day';
import { startDailyReportWorkflow, type ReportWorkflowOptions } from '../../lib/temporal/report-workflows';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../errors';
import { z } from '../openapi';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common.schemas';
import {
  CreateRecipientBody,
  DailyReportQuery,
  DailyReportSchema,
  MAX_REPORT_RECIPIENTS,
  RecipientListSchema,
  RecipientSchema,
  SendReportBody,
  SendReportResponse,
} from '../schemas/report.schemas';

export interface ReportRouteDeps {
  db: Db;
  temporal: Client;
  workflow: ReportWorkflowOptions;
  /** REPORT_TIMEZONE: the zone whose days are reported. */
  timezone: string;
  /** Failure reasons per mailing (REPORT_TOP_REASONS). */
  topReasons: number;
}

const presentRecipient = (r: ReportRecipientRow) => ({ id: r.id, email: r.email, name: r.name, created_at: r.created_at.toISOString() });

function presentReport(f: DailyFigures, sent: DailyReportRecord | null): z.infer<typeof DailyReportSchema> {
  const a = f.webhooks.attempts;
  return {
    date: f.date,
    timezone: f.timezone,
    from: f.from.toISOString(),
    to: f.to.toISOString(),
    quiet: isQuietDay(f),
    sent: sent?.sentAt
      ? { sent_at: sent.sentAt.toISOString(), message_id: sent.messageId, recipients: sent.recipients.map((r) => r.address), delivered_to: sent.deliveredTo }
      : null,
    mailings: {
      totals: f.mailings.totals,
      items: f.mailings.rows.map((m) => ({
        mailing_id: m.mailingId, text: m.text, status: m.status, counts: m.counts, total: m.total, failure_reasons: m.reasons,
      })),
    },
    webhooks: {
      deliveries: f.webhooks.deliveries,
      delivery_success_rate: f.webhooks.deliverySuccessRate,
      attempts: { total: a.attempts, succeeded: a.succeeded, failed: a.failed, success_rate: a.successRate, latency_p50_ms: a.latencyP50Ms, latency_p99_ms: a.latencyP99Ms },
      disabled_endpoints: f.webhooks.disabledEndpoints.map((e) => ({ endpoint_id: e.endpointId, url: e.url, reason: e.reason, disabled_at: e.disabledAt.toISOString() })),
    },
    syncs: {
      totals: f.syncs.totals,
      integrations: f.syncs.integrations.map(({ integrationId, ...rest }) => ({ integration_id: integrationId, ...rest })),
    },
  };
}

export function reportRoutes(deps: ReportRouteDeps, registry: OpenAPIRegistry): Router {
  const { db } = deps;
  const router = Router();
  const tag = 'Daily report';

  defineRoute(router, registry, {
    method: 'get', path: '/report-recipients', tag, role: 'viewer', summary: 'Who receives the daily statistics e-mail',
    response: { status: 200, schema: RecipientListSchema, description: 'Recipients, oldest first' },
    handler: async () => ({ items: (await listReportRecipients(db, MAX_REPORT_RECIPIENTS)).map(presentRecipient) }),
  });

  defineRoute(router, registry, {
    method: 'post', path: '/report-recipients', tag, role: 'admin', summary: 'Add a recipient of the daily statistics e-mail',
    body: CreateRecipientBody, response: { status: 201, schema: RecipientSchema, description: 'Added' }, errors: [409],
    handler: async ({ body }) => {
      if ((await countReportRecipients(db)) >= MAX_REPORT_RECIPIENTS) {
        throw new ConflictError(`The list holds ${MAX_REPORT_RECIPIENTS} recipients already; remove one first.`);
      }
      const row = await insertReportRecipient(db, { email: body.email, name: body.name ?? null });
      if (!row) throw new ConflictError(`${body.email} is on the list already.`, [{ path: 'body.email', message: 'is on the list already' }]);
      return presentRecipient(row);
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/report-recipients/:id', tag, role: 'admin', summary: 'Remove a recipient of the daily statistics e-mail',
    params: IdParams, response: { status: 204, description: 'Removed' }, errors: [404],
    handler: async ({ params }) => {
      if (!(await deleteReportRecipient(db, params.id))) throw new NotFoundError(`report recipient ${params.id}`);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/reports/daily', tag, role: 'viewer',
    summary: "A day's figures as the daily e-mail reports them (per mailing, webhooks, syncs), and whether it was sent",
    query: DailyReportQuery, response: { status: 200, schema: DailyReportSchema, description: 'The figures' },
    handler: async ({ query }) => {
      const [figures, sent] = await Promise.all([collectDailyFigures(db, query.date, deps.timezone, deps.topReasons), findDailyReport(db, query.date)]);
      return presentReport(figures, sent);
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/reports/daily/send', tag, role: 'operator',
    summary: "Send a day's report now (a day that has ended and was not sent yet); the workflow daily-report-<date> sends it",
    body: SendReportBody, response: { status: 202, schema: SendReportResponse, description: 'The workflow started' }, errors: [409, 503],
    handler: async ({ body }) => {
      const { date } = body;
      // A day still going would be sent incomplete, and then never again: refused.
      if (localDayRange(date, deps.timezone).to.getTime() > Date.now()) {
        throw new ConflictError(`${date} has not ended yet in ${deps.timezone}.`, [{ path: 'body.date', message: 'has not ended yet' }]);
      }
      const sent = await findDailyReport(db, date);
      if (sent?.sentAt) throw new ConflictError(`The report of ${date} was sent at ${sent.sentAt.toISOString()}; a day is sent once.`);
      try {
        return { date, workflow_id: await startDailyReportWorkflow(deps.temporal, deps.workflow, date) };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ConflictError(`The report of ${date} is being sent now.`);
        if (err instanceof ServiceError) throw new ServiceUnavailableError('Temporal is unavailable; the report was not started.', err);
        throw err;
      }
    },
  });

  return router;
}
