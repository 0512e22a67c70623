import { Router, type RequestHandler } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Db } from '../../lib/db/connect';
import { clientFacets, countMatchingClients, deleteClient, findClient, insertClient, listClients, updateClient } from '../../lib/db/client.repository';
import { cancelPendingForClient } from '../../lib/db/message.repository';
import { ConflictError, MethodNotAllowedError, NotFoundError, ValidationError } from '../errors';
import { presentClient } from '../presenters';
import { defineRoute } from '../route';
import {
  ClientCountBody,
  ClientCountSchema,
  ClientFacetsQuery,
  ClientFacetsSchema,
  ClientListQuery,
  ClientPage,
  ClientSchema,
  CreateClientBody,
  UpdateClientBody,
} from '../schemas/client.schemas';
import { toMailingFilter } from '../schemas/mailing.schemas';
import { IdParams, toPage } from '../schemas/common.schemas';

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string })?.code === '23505';
const phoneTaken = () => new ConflictError('A client with this phone already exists.', [{ path: 'body.phone', message: 'already exists' }]);

/**
 * /clients/facets and /clients/count sit beside /clients/{id}, whose methods the 405 check (api/method-not-allowed.ts)
 * would otherwise grant them: a method they do not take is a 405 with their own Allow here, not a 400 from {id}.
 */
export function onlyMethods(path: string, methods: string[]): RequestHandler {
  const allow = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].sort();
  return (req, res, next) => {
    if (allow.includes(req.method) && req.method !== 'OPTIONS') return next();
    if (req.method === 'OPTIONS') return void res.set('Allow', allow.join(', ')).status(204).end();
    next(new MethodNotAllowedError(req.method, `/api/v1${path}`, allow));
  };
}

export function clientRoutes(db: Db, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'Clients';

  // Before /clients/:id, which would take these paths for an id.
  router.all('/clients/facets', onlyMethods('/clients/facets', ['GET']));
  router.all('/clients/count', onlyMethods('/clients/count', ['POST']));

  defineRoute(router, registry, {
    method: 'get', path: '/clients/facets', tag, role: 'viewer',
    summary: "Operator codes, tags and time zones with their client counts (most frequent first, at most limit each) and the client total, for a mailing's filter builder",
    query: ClientFacetsQuery, response: { status: 200, schema: ClientFacetsSchema, description: 'Facets' },
    handler: async ({ query }) => {
      const f = await clientFacets(db, query.limit);
      return { operator_codes: f.operatorCodes, tags: f.tags, timezones: f.timezones, total: f.total, limit: query.limit };
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/clients/count', tag, role: 'viewer',
    summary: 'How many clients a mailing with this filter would address now (exactly the mailing filter: empty list = any, any-of within a field, AND across fields), optionally per time zone. Reads only; a POST because a filter may hold up to 1000 codes and 1000 tags',
    body: ClientCountBody, response: { status: 200, schema: ClientCountSchema, description: 'The count' },
    handler: async ({ body, req }) => {
      // The body is required as documented: `{}` counts every client, no body at all is a mistake.
      if (req.body === undefined) throw new ValidationError([{ path: 'body', message: 'is required: a JSON object such as {} (every client)' }]);
      const { by_timezone: byTimezone, ...filter } = body;
      return countMatchingClients(db, toMailingFilter(filter), byTimezone);
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/clients', tag, role: 'operator', summary: 'Create a client',
    body: CreateClientBody, response: { status: 201, schema: ClientSchema, description: 'Created' }, errors: [409],
    handler: async ({ body }) => {
      try {
        const row = await insertClient(db, {
          phone: body.phone,
          operator_code: body.operator_code ?? body.phone.slice(1, 4),
          tag: body.tag,
          timezone: body.timezone,
        });
        return presentClient(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw phoneTaken();
        throw err;
      }
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/clients', tag, role: 'viewer', summary: 'List clients (cursor pagination, filters)',
    query: ClientListQuery, response: { status: 200, schema: ClientPage, description: 'A page of clients' },
    handler: async ({ query }) => {
      const rows = await listClients(db, {
        operatorCode: query.operator_code, tag: query.tag, timezone: query.timezone, phone: query.phone, cursor: query.cursor, limit: query.limit,
      });
      return toPage(rows, query.limit, presentClient);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/clients/:id', tag, role: 'viewer', summary: 'Get a client',
    params: IdParams, response: { status: 200, schema: ClientSchema, description: 'The client' }, errors: [404],
    handler: async ({ params }) => {
      const row = await findClient(db, params.id);
      if (!row) throw new NotFoundError(`client ${params.id}`);
      return presentClient(row);
    },
  });

  defineRoute(router, registry, {
    method: 'patch', path: '/clients/:id', tag, role: 'operator', summary: 'Change a client',
    params: IdParams, body: UpdateClientBody, response: { status: 200, schema: ClientSchema, description: 'Updated' }, errors: [404, 409],
    handler: async ({ params, body }) => {
      try {
        const row = await updateClient(db, params.id, body);
        if (!row) throw new NotFoundError(`client ${params.id}`);
        return presentClient(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw phoneTaken();
        throw err;
      }
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/clients/:id', tag, role: 'operator', summary: 'Delete a client (its pending messages are cancelled)',
    params: IdParams, response: { status: 204, description: 'Deleted' }, errors: [404],
    handler: async ({ params }) => {
      await db.transaction().execute(async (tx) => {
        await cancelPendingForClient(tx, params.id);
        if (!(await deleteClient(tx, params.id))) throw new NotFoundError(`client ${params.id}`);
      });
    },
  });

  return router;
}
