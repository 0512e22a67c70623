import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { NotFoundError } from '../errors';
import { presentCredentialType, presentProvider } from '../integration-presenters';
import { defineRoute } from '../route';
import { CredentialTypeList, CredentialTypeSchema, PluginIdParams, ProviderList, ProviderSchema } from '../schemas/integration.schemas';
import type { IntegrationRouteDeps } from './integration-deps';

/** The installed plugins with the JSON Schemas of their forms (from their zod schemas), for a UI to render. */
export function integrationPluginRoutes(deps: Pick<IntegrationRouteDeps, 'plugins'>, registry: OpenAPIRegistry): Router {
  const { plugins } = deps;
  const router = Router();
  const tag = 'Integration plugins';
  // Plugins are loaded once at boot: their JSON Schemas are made once too, not per request.
  const credentialTypes = new Map([...plugins.credentialTypes].map(([id, t]) => [id, presentCredentialType(t)]));
  const providers = new Map([...plugins.providers].map(([id, p]) => [id, presentProvider(p)]));

  defineRoute(router, registry, {
    method: 'get', path: '/credential-types', tag, role: 'viewer', summary: 'List credential types with the JSON Schemas of their public and secret fields',
    response: { status: 200, schema: CredentialTypeList, description: 'Every installed credential type' },
    handler: async () => ({ items: [...credentialTypes.values()] }),
  });

  defineRoute(router, registry, {
    method: 'get', path: '/credential-types/:id', tag, role: 'viewer', summary: 'Get a credential type',
    params: PluginIdParams, response: { status: 200, schema: CredentialTypeSchema, description: 'The credential type' }, errors: [404],
    handler: async ({ params }) => {
      const type = credentialTypes.get(params.id);
      if (!type) throw new NotFoundError(`credential type ${params.id}`);
      return type;
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/providers', tag, role: 'viewer', summary: 'List providers with the JSON Schema of their config',
    response: { status: 200, schema: ProviderList, description: 'Every installed provider' },
    handler: async () => ({ items: [...providers.values()] }),
  });

  defineRoute(router, registry, {
    method: 'get', path: '/providers/:id', tag, role: 'viewer', summary: 'Get a provider',
    params: PluginIdParams, response: { status: 200, schema: ProviderSchema, description: 'The provider' }, errors: [404],
    handler: async ({ params }) => {
      const provider = providers.get(params.id);
      if (!provider) throw new NotFoundError(`provider ${params.id}`);
      return provider;
    },
  });

  return router;
}
