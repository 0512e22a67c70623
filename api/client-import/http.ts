// What the CSV routes (import upload, export) need that defineRoute does for JSON routes: the OpenAPI description of
// a non-JSON body or answer, query validation with the same field errors, and the import's API shape.
import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { ZodType } from 'zod';
import type { ClientImportRejectionRow, ClientImportRow } from '../../lib/db/client-import-tables';
import { ValidationError } from '../errors';
import { findBadInput } from '../input-guard';
import { ProblemSchema, z } from '../openapi';
import { iso } from '../presenters';
import { zodIssues } from '../route';

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (problem+json naming each field)',
  401: 'Missing or unknown API key',
  403: 'The key lacks the needed role',
  404: 'Not found',
  413: 'The file is larger than IMPORT_MAX_BYTES',
  415: 'The body is not text/csv (UTF-8)',
  429: 'Too many requests (Retry-After and RateLimit headers say when to come back)',
  503: 'A dependency (Temporal, database) is unavailable',
};

/** Registers an operation whose body or answer is not JSON, with the problem+json answers of every route. */
export function registerRawRoute(
  registry: OpenAPIRegistry,
  spec: Omit<RouteConfig, 'responses' | 'path'> & { path: string; ok: { status: number; response: ResponseConfig }; errors: number[] },
): void {
  const { ok, errors, path, ...rest } = spec;
  registry.registerPath({
    ...rest,
    path: `/api/v1${path}`,
    responses: {
      [ok.status]: ok.response,
      ...Object.fromEntries(
        [...new Set(errors)].sort().map((code) => [code, { description: ERROR_TEXT[code] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } }]),
      ),
    },
  });
}

/** A query string checked as defineRoute checks one: NUL characters refused, then the zod schema, errors by field. */
export function parseQuery<T extends ZodType>(schema: T, query: unknown): z.infer<T> {
  const bad = findBadInput(query, 'query');
  if (bad) throw new ValidationError([bad]);
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, 'query'));
  return parsed.data;
}

export const presentClientImport = (r: ClientImportRow) => ({
  id: r.id,
  status: r.status,
  dry_run: r.dry_run,
  created_by: r.created_by,
  workflow_id: r.workflow_id,
  bytes: r.bytes,
  rows_read: r.rows_read,
  processed: r.inserted + r.updated + r.rejected,
  inserted: r.inserted,
  updated: r.updated,
  rejected: r.rejected,
  rejections_kept: r.rejections_kept,
  max_rejections: r.max_rejections,
  error: r.error,
  created_at: r.created_at.toISOString(),
  started_at: iso(r.started_at),
  finished_at: iso(r.finished_at),
  updated_at: r.updated_at.toISOString(),
});

export const presentRejection = (r: ClientImportRejectionRow) => ({ line: r.line, phone: r.phone, errors: r.errors });
