import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Response } from 'express';
import type { ConsoleSessionRow } from '../../lib/db/console-session-tables';
import { NotFoundError } from '../errors';
import { z } from '../openapi';
import { defineRoute } from '../route';
import { IdParams, page, PaginationQuery, toPage } from '../schemas/common.schemas';
import { ConsoleSessionSchema } from '../schemas/session.schemas';
import type { ConsoleAuth } from '../session/console-auth';
import type { ResolvedSession } from '../session/console-sessions';

/** Admins: the live console sessions (never their tokens) and revoking one. */
export function consoleSessionAdminRoutes(auth: ConsoleAuth, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'Console session';

  const present = (row: ConsoleSessionRow, res: Response) => ({
    id: row.id,
    name: row.principal_name,
    role: row.role,
    email: row.email,
    method: row.method,
    api_key_id: row.api_key_id,
    oidc_issuer: row.oidc_issuer,
    oidc_subject: row.oidc_subject,
    created_at: row.created_at.toISOString(),
    last_seen_at: row.last_seen_at.toISOString(),
    expires_at: auth.sessions.endOf(row).toISOString(),
    current: (res.locals.session as ResolvedSession | undefined)?.row.id === row.id,
  });

  defineRoute(router, registry, {
    method: 'get', path: '/sessions', tag, role: 'admin', summary: 'List the live console sessions (admin; no token material)',
    query: z.object(PaginationQuery),
    response: { status: 200, schema: page(ConsoleSessionSchema, 'ConsoleSessionPage'), description: 'Live sessions in id order' },
    handler: async ({ query, res }) => {
      const rows = await auth.sessions.list({ limit: query.limit, cursor: query.cursor });
      return toPage(rows, query.limit, (row) => present(row, res));
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/sessions/:id', tag, role: 'admin', summary: 'Revoke a console session (admin): its cookie stops working at once',
    params: IdParams, response: { status: 204, description: 'Revoked' }, errors: [404],
    handler: async ({ params }) => {
      if (!(await auth.sessions.revoke(params.id))) throw new NotFoundError(`console session ${params.id}`);
    },
  });

  return router;
}
