import { Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Db } from '../../lib/db/connect';
import { deleteClient, findClient, insertClient, listClients, updateClient } from '../../lib/db/client.repository';
import { cancelPendingForClient } from '../../lib/db/message.repository';
import { ConflictError, NotFoundError } from '../errors';
import { presentClient } from '../presenters';
import { defineRoute } from '../route';
import { ClientListQuery, ClientPage, ClientSchema, CreateClientBody, UpdateClientBody } from '../schemas/client.schemas';
import { IdParams, toPage } from '../schemas/common.schemas';

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string })?.code === '23505';
const phoneTaken = () => new ConflictError('A client with this phone already exists.', [{ path: 'body.phone', message: 'already exists' }]);

export function clientRoutes(db: Db, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'Clients';

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
