import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Db } from '../../lib/db/connect';
import { insertApiKey, listApiKeys, revokeApiKey } from '../../lib/db/api-key.repository';
import { generateApiKey } from '../auth';
import { NotFoundError } from '../errors';
import { z } from '../openapi';
import { presentApiKey } from '../presenters';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common.schemas';

const Role = z.enum(['admin', 'operator', 'viewer']);
const ApiKeySchema = z
  .object({ id: z.number(), name: z.string(), role: Role, key_prefix: z.string(), created_at: z.string(), last_used_at: z.string().nullable(), revoked_at: z.string().nullable() })
  .openapi('ApiKey');
const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string().openapi({ description: 'Shown once; only its hash is stored' }) }).openapi('CreatedApiKey');
const CreateApiKeyBody = z.object({ name: z.string().min(1).max(100), role: Role }).strict().openapi('CreateApiKey');

export function apiKeyRoutes(db: Db, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'API keys';

  defineRoute(router, registry, {
    method: 'post', path: '/api-keys', tag, role: 'admin', summary: 'Create an API key (admin, operator or viewer); the key is shown once',
    body: CreateApiKeyBody, response: { status: 201, schema: CreatedApiKeySchema, description: 'Created' },
    handler: async ({ body }) => {
      const generated = generateApiKey();
      const row = await insertApiKey(db, { name: body.name, role: body.role, keyHash: generated.hash, keyPrefix: generated.prefix });
      return { ...presentApiKey(row), key: generated.key };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/api-keys', tag, role: 'admin', summary: 'List API keys (never the keys themselves)',
    response: { status: 200, schema: z.object({ items: z.array(ApiKeySchema) }), description: 'Keys' },
    handler: async () => ({ items: (await listApiKeys(db)).map(presentApiKey) }),
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/api-keys/:id', tag, role: 'admin', summary: 'Revoke an API key',
    params: IdParams, response: { status: 204, description: 'Revoked' }, errors: [404],
    handler: async ({ params }) => {
      if (!(await revokeApiKey(db, params.id))) throw new NotFoundError(`active API key ${params.id}`);
    },
  });

  return router;
}
