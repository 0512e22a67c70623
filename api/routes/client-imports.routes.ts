import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { createImport, discardImport, failStaleUploads, findImport, finishImport, listImports, listRejections, markImportUploaded } from '../../lib/db/client-import.repository';
import type { Db } from '../../lib/db/connect';
import type { Logger } from '../../lib/logger';
import { startClientImportWorkflow, type ClientImportSettings } from '../../lib/temporal/client-import-workflows';
import { clientImportWorkflowId } from '../../workflows/client-import.contract';
import { assertRole, type Principal } from '../auth';
import { parseQuery, presentClientImport, presentRejection, registerRawRoute } from '../client-import/http';
import { parseHeader } from '../client-import/rows';
import { CsvUpload, PayloadTooLargeError, stageUpload } from '../client-import/upload';
import { HttpError, NotFoundError, ServiceUnavailableError, ValidationError } from '../errors';
import { defineRoute } from '../route';
import { ClientImportCsvBody, ClientImportListQuery, ClientImportPage, ClientImportQuery, ClientImportSchema, ImportRejectionPage, RejectionListQuery } from '../schemas/client-import.schemas';
import { IdParams } from '../schemas/common.schemas';
import { onlyMethods } from './clients.routes';

export interface ClientImportRouteDeps {
  db: Db;
  temporal: Client;
  logger: Logger;
  settings: ClientImportSettings;
}

/** An upload with no progress for this long belongs to an API process that died: failed by the next import. */
const STALE_UPLOAD_MS = 10 * 60_000;

const hasBody = (req: Request): boolean => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** 415 unless the body is text/csv in UTF-8 (the charset parameter may be left out). */
function assertCsv(req: Request): void {
  if (!hasBody(req)) throw new ValidationError([{ path: 'body', message: 'is required: a CSV file with a header row' }]);
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (!req.is('text/csv') || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new HttpError(415, 'Unsupported media type', 'Send the file as UTF-8 CSV with Content-Type: text/csv (charset=utf-8 if any).');
  }
  if (Number(req.headers['content-length'] ?? 0) > 0 && !Number.isSafeInteger(Number(req.headers['content-length']))) {
    throw new ValidationError([{ path: 'headers.content-length', message: 'is not a byte count' }]);
  }
}

/** Answers an upload that was not read whole: the connection closes after the answer, the rest is discarded. */
function abandonBody(req: Request, res: Response): void {
  if (req.complete) return;
  res.set('Connection', 'close');
  req.resume();
}

export function clientImportRoutes(deps: ClientImportRouteDeps, registry: OpenAPIRegistry): Router {
  const { db, temporal, logger, settings } = deps;
  const router = Router();
  const tag = 'Clients';
  // Before /clients/{id}, which would take these paths for an id.
  router.all('/clients/import', onlyMethods('/clients/import', ['POST']));
  router.all('/clients/imports', onlyMethods('/clients/imports', ['GET']));

  registerRawRoute(registry, {
    method: 'post', path: '/clients/import', tags: [tag],
    summary: 'Import clients from a CSV file (streamed; upsert by phone; runs as the workflow client-import-<id>)',
    description:
      'Reads the file whole (checking the header first: a bad header, invalid UTF-8 or malformed CSV is a 400 and nothing is ' +
      'imported), then answers 202 with the import while its workflow upserts the rows in batches. Follow the progress at ' +
      'the Location. A bad row is rejected with its line and reasons and the others go on; a phone repeated in the file: ' +
      'the last row wins. dry_run=true checks and counts without writing a client.',
    request: { query: ClientImportQuery, body: { required: true, content: { 'text/csv': { schema: ClientImportCsvBody } } } },
    ok: {
      status: 202,
      response: {
        description: 'The file is read; the import runs',
        headers: { Location: { description: 'The import: /api/v1/clients/imports/{id}', schema: { type: 'string' } } },
        content: { 'application/json': { schema: ClientImportSchema } },
      },
    },
    errors: [400, 401, 403, 413, 415, 429, 503],
  });
  router.post('/clients/import', (req, res, next) => {
    upload(req, res).catch((err: unknown) => {
      abandonBody(req, res);
      next(err);
    });
  });

  async function upload(req: Request, res: Response): Promise<void> {
    const principal = res.locals.principal as Principal | undefined;
    assertRole(principal, 'operator');
    const query = parseQuery(ClientImportQuery, req.query);
    assertCsv(req);
    if (Number(req.headers['content-length'] ?? 0) > settings.maxBytes) throw new PayloadTooLargeError(settings.maxBytes);
    const file = new CsvUpload(req, settings.maxBytes);
    const first = await file.next();
    const headerRecord = first?.shift();
    if (!first || !headerRecord) throw new ValidationError([{ path: 'body', message: 'is empty: the first line must be the header (phone,timezone,...)' }]);
    const header = parseHeader(headerRecord);
    if ('errors' in header) throw new ValidationError(header.errors, 'The header row is not valid; nothing was imported.');

    await failStaleUploads(db, STALE_UPLOAD_MS).catch((err: unknown) => logger.warn({ err }, 'could not fail stale client uploads'));
    const createdBy = principal!.session?.email ?? principal!.name;
    const created = await createImport(db, { createdBy, dryRun: query.dry_run, maxRejections: settings.maxRejections });
    let rowsRead: number;
    try {
      rowsRead = await stageUpload({ db, importId: created.id, header: header.header, upload: file, first, batchRows: settings.batchRows });
    } catch (err) {
      // The answer is the upload's problem; a failure to clean up is logged (the stale-upload sweep retries it).
      await discardImport(db, created.id).catch((cleanup: unknown) => logger.error({ err: cleanup, importId: created.id }, 'could not discard a failed client upload'));
      throw err;
    }
    const row = await markImportUploaded(db, created.id, { rowsRead, bytes: file.bytes, workflowId: clientImportWorkflowId(created.id) });
    try {
      await startClientImportWorkflow(temporal, settings, { importId: row.id, dryRun: row.dry_run });
    } catch (err) {
      await finishImport(db, row.id, 'failed', 'the import workflow could not be started');
      throw new ServiceUnavailableError('Temporal is unavailable: the import could not be started. Send the file again later.', err);
    }
    res.status(202).location(`/api/v1/clients/imports/${row.id}`).json(presentClientImport(row));
  }

  defineRoute(router, registry, {
    method: 'get', path: '/clients/imports', tag, role: 'viewer', summary: 'List client imports, newest first',
    query: ClientImportListQuery, response: { status: 200, schema: ClientImportPage, description: 'A page of imports' },
    handler: async ({ query }) => {
      const rows = await listImports(db, query);
      return { items: rows.map(presentClientImport), next_cursor: rows.length === query.limit ? rows[rows.length - 1].id : null };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/clients/imports/:id', tag, role: 'viewer',
    summary: 'A client import and its progress (rows read, processed, inserted, updated, rejected), moved with each batch',
    params: IdParams, response: { status: 200, schema: ClientImportSchema, description: 'The import' }, errors: [404],
    handler: async ({ params }) => {
      const row = await findImport(db, params.id);
      if (!row) throw new NotFoundError(`client import ${params.id}`);
      return presentClientImport(row);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/clients/imports/:id/rejections', tag, role: 'viewer',
    summary: "An import's rejected rows in line order, each with its line, phone and the reason per field (the first max_rejections are kept)",
    params: IdParams, query: RejectionListQuery,
    response: { status: 200, schema: ImportRejectionPage, description: 'A page of rejected rows' }, errors: [404],
    handler: async ({ params, query }) => {
      const row = await findImport(db, params.id);
      if (!row) throw new NotFoundError(`client import ${params.id}`);
      const items = await listRejections(db, row.id, { afterLine: query.cursor, limit: query.limit });
      return {
        items: items.map(presentRejection),
        next_cursor: items.length === query.limit ? items[items.length - 1].line : null,
        rejected: row.rejected,
        kept: row.rejections_kept,
      };
    },
  });

  return router;
}
