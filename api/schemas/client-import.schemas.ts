import { CLIENT_IMPORT_STATUSES } from '../../lib/db/client-import-tables';
import { z } from '../openapi';
import { ClientListQuery } from './client.schemas';
import { decimalInteger, MAX_ID } from './common.schemas';

export const ClientImportQuery = z.object({
  dry_run: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .openapi({ type: 'string', enum: ['true', 'false'], description: 'Check the file and count what it would do, writing no client' }),
});

export const ClientImportCsvBody = z.string().openapi({
  description:
    'CSV (RFC 4180, UTF-8, comma-separated; CRLF or LF). The header row names the columns, in any order: phone and ' +
    'timezone (required), operator_code and tag (optional). Each row is checked as POST /clients checks a client; an ' +
    'empty operator_code is derived from the phone. A bad row is rejected (see /clients/imports/{id}/rejections) and ' +
    'the rest go on; a bad header, invalid UTF-8 or malformed CSV is a 400 and nothing is imported.',
  example: 'phone,operator_code,tag,timezone\n79001234567,,vip,Europe/Moscow\n79161234567,916,,Asia/Tokyo\n',
  // Any text as far as JSON Schema goes (this pattern keeps the document's request-wide "no NUL" pattern off it):
  // a NUL character in a data row rejects that row, it does not refuse the file.
  pattern: '^[\\s\\S]*$',
});

export const ClientImportSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(CLIENT_IMPORT_STATUSES).openapi({ description: 'uploading, processing (the workflow runs), completed or failed' }),
    dry_run: z.boolean().openapi({ description: 'A dry run writes no client: inserted and updated say what it would do' }),
    created_by: z.string(),
    workflow_id: z.string().nullable().openapi({ description: 'client-import-<id> in the Temporal UI' }),
    bytes: z.number().int().min(0),
    rows_read: z.number().int().min(0).openapi({ description: 'Data rows read from the file (the header and empty lines not counted)' }),
    processed: z.number().int().min(0).openapi({ description: 'inserted + updated + rejected: rows done so far (of rows_read)' }),
    inserted: z.number().int().min(0).openapi({ description: 'Rows that created a client' }),
    updated: z.number().int().min(0).openapi({ description: 'Rows that updated an existing client (a phone repeated in the file updates it again: the last row wins)' }),
    rejected: z.number().int().min(0).openapi({ description: 'Rows refused, with their line and reasons in the rejections report' }),
    rejections_kept: z.number().int().min(0).openapi({ description: 'Rejected rows kept in the report (the first max_rejections)' }),
    max_rejections: z.number().int().min(0),
    error: z.string().nullable().openapi({ description: 'Why a failed import failed' }),
    created_at: z.string(),
    started_at: z.string().nullable().openapi({ description: 'When the file was read whole and the workflow started' }),
    finished_at: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi('ClientImport');

export const ClientImportListQuery = z.object({
  status: z.enum(CLIENT_IMPORT_STATUSES).optional(),
  limit: decimalInteger({ min: 1, max: 500, description: 'Page size (1-500)', example: 50 }).default(50),
  cursor: decimalInteger({ min: 0, max: MAX_ID, description: 'next_cursor from the previous page (newest first)' }).optional(),
});

export const ClientImportPage = z
  .object({ items: z.array(ClientImportSchema), next_cursor: z.number().int().nullable() })
  .openapi('ClientImportPage');

export const RejectionListQuery = z.object({
  limit: decimalInteger({ min: 1, max: 1000, description: 'Page size (1-1000)', example: 100 }).default(100),
  cursor: decimalInteger({ min: 0, max: 2_147_483_647, description: 'next_cursor from the previous page: the last line it held' }).optional(),
});

export const ImportRejectionSchema = z
  .object({
    line: z.number().int().min(1).openapi({ description: 'Line of the file the row starts on (the header is line 1)' }),
    phone: z.string().nullable().openapi({ description: 'The phone as written (at most 64 characters), null when the row has none' }),
    errors: z
      .array(z.object({ field: z.string().openapi({ description: 'The column, or row for the record as a whole' }), reason: z.string() }))
      .min(1),
  })
  .openapi('ClientImportRejection');

export const ImportRejectionPage = z
  .object({
    items: z.array(ImportRejectionSchema),
    next_cursor: z.number().int().nullable(),
    rejected: z.number().int().min(0).openapi({ description: 'Every rejected row of the import' }),
    kept: z.number().int().min(0).openapi({ description: 'Rejected rows kept in this report (the first ones by line)' }),
  })
  .openapi('ClientImportRejectionPage');

/** The export takes the list's filters (not its paging: the export is every matching client). */
export const ClientExportQuery = ClientListQuery.omit({ limit: true, cursor: true });
