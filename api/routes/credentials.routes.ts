import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { deleteCredential, insertCredential, integrationsUsingCredential, listCredentials, updateCredential } from '../../lib/db/credential.repository';
import { SecretBoxError } from '../../lib/crypto/secret-box';
import type { CredentialRow } from '../../lib/db/integration-tables';
import type { PluginRegistry } from '../../lib/integrations/registry';
import { ConflictError, NotFoundError } from '../errors';
import { presentCredential } from '../integration-presenters';
import { defineRoute } from '../route';
import { IdParams, toPage } from '../schemas/common.schemas';
import { CreateCredentialBody, CredentialListQuery, CredentialPage, CredentialSchema, UpdateCredentialBody } from '../schemas/integration.schemas';
import { credentialTypeOf, loadCredential, parseCredentialFields, type IntegrationRouteDeps } from './integration-deps';

/** Names of the secret fields a credential of this type has (its type's declared fields; values are never read). */
const secretFieldNames = (plugins: PluginRegistry, row: CredentialRow): string[] => {
  const type = plugins.credentialTypes.get(row.type);
  return type ? Object.keys(type.secretSchema.shape) : [];
};

/** Credentials: the secret fields are validated, sealed with AES-256-GCM before they reach the table, never returned. */
export function credentialRoutes(deps: IntegrationRouteDeps, registry: OpenAPIRegistry): Router {
  const { db, plugins, secretBox } = deps;
  const router = Router();
  const tag = 'Credentials';
  const present = (row: CredentialRow, usedBy?: number[]) => presentCredential(row, secretFieldNames(plugins, row), usedBy);
  const openStoredSecret = (row: CredentialRow): unknown => {
    try {
      return JSON.parse(secretBox.open(row.secret_sealed));
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      throw new ConflictError(`the stored secret of credential ${row.id} cannot be opened (${err.message}); send the secret again with the change`);
    }
  };

  defineRoute(router, registry, {
    method: 'post', path: '/credentials', tag, role: 'operator', summary: 'Create credentials (the secret fields are encrypted and never shown again)',
    body: CreateCredentialBody, response: { status: 201, schema: CredentialSchema, description: 'Created (without its secret)' },
    handler: async ({ body }) => {
      const type = credentialTypeOf(plugins, body.type);
      const fields = parseCredentialFields(type, body.public, body.secret);
      const row = await insertCredential(db, { name: body.name, type: type.id, public: fields.public, allowedHosts: body.allowed_hosts }, secretBox.seal(JSON.stringify(fields.secret)));
      return present(row, []);
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/credentials', tag, role: 'viewer', summary: 'List credentials (never their secrets)',
    query: CredentialListQuery, response: { status: 200, schema: CredentialPage, description: 'A page of credentials' },
    handler: async ({ query }) => toPage(await listCredentials(db, query), query.limit, (row) => present(row)),
  });

  defineRoute(router, registry, {
    method: 'get', path: '/credentials/:id', tag, role: 'viewer', summary: 'Get credentials (never the secret) and the integrations using them',
    params: IdParams, response: { status: 200, schema: CredentialSchema, description: 'The credentials' }, errors: [404],
    handler: async ({ params }) => present(await loadCredential(db, params.id), await integrationsUsingCredential(db, params.id)),
  });

  defineRoute(router, registry, {
    method: 'patch', path: '/credentials/:id', tag, role: 'operator', summary: 'Rename, change public fields, or replace the secret',
    params: IdParams, body: UpdateCredentialBody, response: { status: 200, schema: CredentialSchema, description: 'The changed credentials' }, errors: [404],
    handler: async ({ params, body }) => {
      const row = await loadCredential(db, params.id);
      let change: { name?: string; public?: Record<string, unknown>; allowedHosts?: string[]; secretSealed?: string } = {
        name: body.name,
        allowedHosts: body.allowed_hosts,
      };
      if (body.public !== undefined || body.secret !== undefined) {
        // The type validates public and secret fields together: the stored half is opened in memory to check the pair.
        const type = credentialTypeOf(plugins, row.type, 'params.id');
        const fields = parseCredentialFields(type, body.public ?? row.public, body.secret ?? openStoredSecret(row));
        change = { ...change, public: fields.public, ...(body.secret !== undefined ? { secretSealed: secretBox.seal(JSON.stringify(fields.secret)) } : {}) };
      }
      const updated = await updateCredential(db, params.id, change);
      if (!updated) throw new NotFoundError(`credential ${params.id}`);
      return present(updated, await integrationsUsingCredential(db, params.id));
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/credentials/:id', tag, role: 'operator', summary: 'Delete credentials no integration uses',
    params: IdParams, response: { status: 204, description: 'Deleted' }, errors: [404, 409],
    handler: async ({ params }) => {
      await loadCredential(db, params.id);
      const usedBy = await integrationsUsingCredential(db, params.id);
      if (usedBy.length > 0) throw new ConflictError(`credential ${params.id} is used by integrations ${usedBy.join(', ')}; change or delete them first`);
      const deleted = await deleteCredential(db, params.id).catch((err: unknown) => {
        // An integration took it up between the check and the delete (the foreign key refuses).
        if ((err as { code?: string }).code === '23503') throw new ConflictError(`credential ${params.id} is in use by an integration`);
        throw err;
      });
      if (!deleted) throw new NotFoundError(`credential ${params.id}`);
    },
  });

  return router;
}
