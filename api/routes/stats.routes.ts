import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Db } from '../../lib/db/connect';
import type { MailingStatus, MessageStatus } from '../../lib/db/database';
import { findMailing, listMailings } from '../../lib/db/mailing.repository';
import { countAllByStatus, countByStatusForMailings, listMessages } from '../../lib/db/message.repository';
import { WorkerPresence } from '../../lib/temporal/worker-presence';
import { addCounts, countTotal, emptyCounts } from '../../lib/status-counts';
import { NotFoundError } from '../errors';
import { presentMailing, presentMessage } from '../presenters';
import { defineRoute } from '../route';
import { IdParams, toPage } from '../schemas/common.schemas';
import { MailingListQuery, MailingStatsQuery, MailingStatsSchema, OverviewSchema } from '../schemas/mailing.schemas';
import { readProgress, type ProgressSource } from './mailing-progress';
import type { MailingRouteDeps } from './mailings.routes';
import { statsSeriesRoutes } from './stats-series.routes';

export function statsRoutes({ db, temporal, workflow }: MailingRouteDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'Statistics';
  const progress: ProgressSource = { db, temporal, presence: new WorkerPresence(temporal), taskQueue: workflow.taskQueue };

  defineRoute(router, registry, {
    method: 'get', path: '/stats/mailings', tag, role: 'viewer', summary: 'Mailings (optionally of one status) with their message counts by status; totals are over every mailing, page_totals over this page',
    query: MailingListQuery, response: { status: 200, schema: OverviewSchema, description: 'Overview' },
    handler: async ({ query }) => {
      const status = query.status as MailingStatus | undefined;
      const [rows, totals] = await Promise.all([listMailings(db, { status, cursor: query.cursor, limit: query.limit }), countAllByStatus(db)]);
      const counts = await countByStatusForMailings(db, rows.map((r) => r.id));
      const pageTotals = emptyCounts();
      const items = rows.map((row) => {
        const c = counts.get(row.id)!;
        addCounts(pageTotals, c);
        return { mailing: presentMailing(row), total: countTotal(c), counts: c };
      });
      return { totals, total: countTotal(totals), page_totals: pageTotals, items, next_cursor: toPage(rows, query.limit, (r) => r).next_cursor };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/mailings/:id/stats', tag, role: 'viewer',
    summary: 'Detailed statistics of one mailing: counts by status, live progress and its messages (filter by status)',
    params: IdParams, query: MailingStatsQuery, response: { status: 200, schema: MailingStatsSchema, description: 'Statistics' }, errors: [404],
    handler: async ({ params, query }) => {
      const mailing = await findMailing(db, params.id);
      if (!mailing) throw new NotFoundError(`mailing ${params.id}`);
      const [live, messages] = await Promise.all([
        readProgress(progress, mailing),
        listMessages(db, { mailingId: mailing.id, status: query.status as MessageStatus | undefined, cursor: query.cursor, limit: query.limit }),
      ]);
      return { mailing: presentMailing(mailing), total: live.total, counts: live.counts, progress: live, messages: toPage(messages, query.limit, presentMessage) };
    },
  });

  router.use(statsSeriesRoutes(db, registry));
  return router;
}
