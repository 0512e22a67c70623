import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import {
  deleteEndpoint,
  insertEndpoint,
  listEndpoints,
  rotateSecret,
  SECRET_ROTATION_GRACE_MS,
  updateEndpoint,
} from '../../lib/db/webhook-endpoint.repository';
import { sealHeaders } from '../../lib/webhooks/custom-headers';
import { generateSecret } from '../../lib/webhooks/signing';
import { roleAllows, type Principal } from '../auth';
import { NotFoundError } from '../errors';
import { defineRoute } from '../route';
import { IdParams, toPage } from '../schemas/common.schemas';
import {
  CreatedEndpointSchema,
  CreateEndpointBody,
  EndpointListQuery,
  EndpointPage,
  EndpointSchema,
  RotatedSecretSchema,
  RotateSecretBody,
  UpdateEndpointBody,
} from '../schemas/webhook.schemas';
import { presentEndpoint } from '../webhook-presenters';
import { assertEndpointUrl, loadEndpoint, type WebhookRouteDeps } from './webhook-deps';

export function webhookEndpointRoutes(deps: WebhookRouteDeps, registry: OpenAPIRegistry): Router {
  const { db, secretBox, urlPolicy } = deps;
  const router = Router();
  const tag = 'Webhook endpoints';
  // Header values are for those who may change them: viewers see their names only.
  const view = (principal: Principal) => ({ box: secretBox, showValues: roleAllows(principal.role, 'operator') });

  defineRoute(router, registry, {
    method: 'post', path: '/webhooks/endpoints', tag, role: 'operator', summary: 'Create an endpoint; its signing secret is shown once',
    body: CreateEndpointBody, response: { status: 201, schema: CreatedEndpointSchema, description: 'Created, with its secret' },
    handler: async ({ body, principal }) => {
      await assertEndpointUrl(body.url, urlPolicy);
      const { secret: own, headers, ...fields } = body;
      const secret = own ?? generateSecret();
      const row = await insertEndpoint(db, { ...fields, sealed_headers: sealHeaders(secretBox, headers) }, secretBox.seal(secret));
      return { ...presentEndpoint(row, view(principal)), secret };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/endpoints', tag, role: 'viewer', summary: 'List endpoints',
    query: EndpointListQuery, response: { status: 200, schema: EndpointPage, description: 'A page of endpoints' },
    handler: async ({ query, principal }) => {
      const enabled = query.enabled === undefined ? undefined : query.enabled === 'true';
      const rows = await listEndpoints(db, { enabled, cursor: query.cursor, limit: query.limit });
      return toPage(rows, query.limit, (row) => presentEndpoint(row, view(principal)));
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/webhooks/endpoints/:id', tag, role: 'viewer', summary: 'Get an endpoint (never its secret; header values for operators and admins only)',
    params: IdParams, response: { status: 200, schema: EndpointSchema, description: 'The endpoint' }, errors: [404],
    handler: async ({ params, principal }) => presentEndpoint(await loadEndpoint(db, params.id), view(principal)),
  });

  defineRoute(router, registry, {
    method: 'patch', path: '/webhooks/endpoints/:id', tag, role: 'operator', summary: 'Change an endpoint; enabled=true re-enables it',
    params: IdParams, body: UpdateEndpointBody, response: { status: 200, schema: EndpointSchema, description: 'The changed endpoint' }, errors: [404],
    handler: async ({ params, body, principal }) => {
      await loadEndpoint(db, params.id);
      if (body.url !== undefined) await assertEndpointUrl(body.url, urlPolicy);
      const { headers, ...fields } = body;
      const row = await updateEndpoint(db, params.id, { ...fields, ...(headers !== undefined ? { sealed_headers: sealHeaders(secretBox, headers) } : {}) });
      if (!row) throw new NotFoundError(`webhook endpoint ${params.id}`);
      return presentEndpoint(row, view(principal));
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/webhooks/endpoints/:id', tag, role: 'operator', summary: 'Delete an endpoint with its deliveries and attempt log',
    params: IdParams, response: { status: 204, description: 'Deleted; pending deliveries stop at their next attempt' }, errors: [404],
    handler: async ({ params }) => {
      if (!(await deleteEndpoint(db, params.id))) throw new NotFoundError(`webhook endpoint ${params.id}`);
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/webhooks/endpoints/:id/secret/rotate', tag, role: 'operator',
    summary: 'Rotate the signing secret: the previous one keeps signing beside the new one for 24 h',
    params: IdParams, body: RotateSecretBody, response: { status: 200, schema: RotatedSecretSchema, description: 'The new secret, shown once' }, errors: [404],
    handler: async ({ params, body }) => {
      await loadEndpoint(db, params.id);
      const secret = body.secret ?? generateSecret();
      await rotateSecret(db, params.id, secretBox.seal(secret));
      return { secret, previous_secrets_expire_at: new Date(Date.now() + SECRET_ROTATION_GRACE_MS).toISOString() };
    },
  });

  return router;
}
