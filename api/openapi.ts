import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { addRequestConstraints } from './openapi-constraints';
import { addCreateLinks } from './openapi-links';

extendZodWithOpenApi(z);

export { z };

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    request_id: z.string().openapi({ description: "The request's id, also in the X-Request-Id header and on the server's log lines for it" }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer', description: 'API key (rk_...)' });
  registry.register('Problem', ProblemSchema);
  return registry;
}

/** Merges every route's registered schema into one document, served at /openapi.json. */
export function generateDocument(registries: OpenAPIRegistry[]) {
  const generator = new OpenApiGeneratorV31(registries.flatMap((r) => r.definitions));
  const document = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Relay API',
      version: '1.0.0',
      description: 'Durable SMS mailings (and later webhooks and integration syncs) on Temporal. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
  });
  return addCreateLinks(addRequestConstraints(document));
}
