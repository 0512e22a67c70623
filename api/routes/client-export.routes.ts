import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Response } from 'express';
import { listClients, type ClientListFilter } from '../../lib/db/client.repository';
import type { Db } from '../../lib/db/connect';
import type { ClientRow } from '../../lib/db/database';
import { assertRole, type Principal } from '../auth';
import { parseQuery, registerRawRoute } from '../client-import/http';
import { IMPORT_COLUMNS } from '../client-import/rows';
import { z } from '../openapi';
import { ClientExportQuery } from '../schemas/client-import.schemas';
import { onlyMethods } from './clients.routes';

/** Clients read per query: the export holds one page in memory, whatever the number of clients. */
const PAGE = 5_000;

/** One CSV field: quoted (quotes doubled) when it holds a comma, quote or line break; as is otherwise. */
const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const csvRows = (rows: ClientRow[]): string =>
  rows.map((c) => `${csvField(c.phone)},${csvField(c.operator_code)},${csvField(c.tag)},${csvField(c.timezone)}\r\n`).join('');

/** Resolves when the answer can take more (or is gone). */
const writable = (res: Response): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

/** GET /clients/export: every client matching the list's filters as CSV, the import's columns, streamed page by page. */
export function clientExportRoutes(db: Db, registry: OpenAPIRegistry): Router {
  const router = Router();
  router.all('/clients/export', onlyMethods('/clients/export', ['GET']));

  registerRawRoute(registry, {
    method: 'get', path: '/clients/export', tags: ['Clients'],
    summary: 'Export clients as CSV (the columns POST /clients/import takes; the filters of GET /clients), streamed in id order',
    description:
      'The header row then one row per client: phone, operator_code, tag, timezone (CRLF line ends, fields quoted when ' +
      'needed). Read page by page as it is sent, so clients changed meanwhile may appear as they were or as they are.',
    request: { query: ClientExportQuery },
    ok: {
      status: 200,
      response: {
        description: 'The clients as CSV',
        headers: { 'Content-Disposition': { description: 'attachment; filename="clients.csv"', schema: { type: 'string' } } },
        content: { 'text/csv': { schema: z.string().openapi({ example: 'phone,operator_code,tag,timezone\r\n79001234567,900,vip,Europe/Moscow\r\n' }) } },
      },
    },
    errors: [400, 401, 403, 429],
  });

  router.get('/clients/export', (req, res, next) => {
    const run = async () => {
      assertRole(res.locals.principal as Principal | undefined, 'viewer');
      const query = parseQuery(ClientExportQuery, req.query);
      const filter: Omit<ClientListFilter, 'cursor'> = { operatorCode: query.operator_code, tag: query.tag, timezone: query.timezone, phone: query.phone, limit: PAGE };
      // The first page before the headers: a database failure is still a problem+json answer.
      let rows = await listClients(db, filter);
      res.status(200).type('text/csv; charset=utf-8').set('Content-Disposition', 'attachment; filename="clients.csv"');
      if (req.method === 'HEAD') return void res.end();
      res.write(`${IMPORT_COLUMNS.join(',')}\r\n`);
      while (rows.length > 0 && !res.destroyed) {
        if (res.writableNeedDrain) await writable(res); // (a drain may have come while the page was read)
        res.write(csvRows(rows));
        if (rows.length < PAGE) break;
        rows = await listClients(db, { ...filter, cursor: rows[rows.length - 1].id });
      }
      res.end();
    };
    run().catch((err: unknown) => {
      if (!res.headersSent) return next(err);
      res.destroy(err instanceof Error ? err : new Error(String(err))); // mid-stream: the client sees a cut-off answer
    });
  });

  return router;
}
