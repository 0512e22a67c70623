import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import type { ZodType } from 'zod';
import type { Role } from '../lib/db/database';
import { assertRole, type Principal } from './auth';
import { HttpError, ValidationError, type FieldError } from './errors';
import { findBadInput } from './input-guard';
import { ProblemSchema, z } from './openapi';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends ZodType> {
  method: Method;
  path: string; // express style: /clients/:id
  summary: string;
  tag: string;
  role: Role | 'public';
  params?: P;
  query?: Q;
  body?: B;
  response: { status: number; schema?: ZodType; description: string };
  errors?: number[];
  handler: (ctx: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    principal: Principal;
    req: Request;
    res: Response;
  }) => Promise<unknown>;
}

/** A request carries a body when it says so (a chunked one, or a non-zero Content-Length). */
const hasBody = (req: Request): boolean => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

const joinPath = (parts: (string | number | symbol)[]): string => parts.map(String).filter(Boolean).join('.');

/** zod issues as field errors; an unknown key is reported at its own path (`body.colour`), one error per key. */
export function zodIssues(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: joinPath([prefix, ...issue.path, key]), message: 'is not a known field' }))
      : [{ path: joinPath([prefix, ...issue.path]), message: issue.message }],
  );
}

function parsePart<T extends ZodType>(schema: T | undefined, value: unknown, prefix: string, errors: FieldError[]): unknown {
  if (!schema) return {};
  // Every string that may reach SQL is checked here, for path and query as for the body (app-level guard).
  const bad = findBadInput(value, prefix);
  if (bad) {
    errors.push(bad);
    return undefined;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  errors.push(...zodIssues(parsed.error, prefix));
  return undefined;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input (problem+json naming each field)',
  401: 'Missing or unknown API key',
  403: 'The key lacks the needed role',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'The body is larger than 1 MB',
  415: 'The body is not JSON (Content-Type: application/json, UTF-8)',
  429: 'Too many requests (Retry-After and RateLimit headers say when to come back)',
  503: 'A dependency (Temporal, database) is unavailable',
};

/** Registers a route once: the same zod schemas validate the request and describe it in OpenAPI. */
export function defineRoute<P extends AnyObject, Q extends AnyObject, B extends ZodType>(
  router: Router,
  registry: OpenAPIRegistry,
  spec: RouteSpec<P, Q, B>,
): void {
  const openapiPath = `/api/v1${spec.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
  const errorCodes = [
    ...new Set([400, ...(spec.role === 'public' ? [] : [401, 403]), ...(spec.body ? [413, 415] : []), 429, ...(spec.errors ?? [])]),
  ].sort();
  const config: RouteConfig = {
    method: spec.method,
    path: openapiPath,
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.role === 'public' ? { security: [] } : {}),
    request: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } }, required: true } } : {}),
    },
    responses: {
      [spec.response.status]: {
        description: spec.response.description,
        ...(spec.response.schema ? { content: { 'application/json': { schema: spec.response.schema } } } : {}),
      },
      ...Object.fromEntries(
        errorCodes.map((code) => [code, { description: STATUS_TEXT[code] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } }]),
      ),
    },
  };
  registry.registerPath(config);

  router[spec.method](spec.path, (req, res, next) => {
    const run = async () => {
      if (spec.role !== 'public') assertRole(res.locals.principal as Principal | undefined, spec.role);
      if (spec.body && hasBody(req) && !req.is('application/json')) {
        throw new HttpError(415, 'Unsupported media type', 'Send the body as JSON with Content-Type: application/json.');
      }
      const errors: FieldError[] = [];
      const params = parsePart(spec.params, req.params, 'params', errors);
      const query = parsePart(spec.query, req.query, 'query', errors);
      const body = spec.body ? parsePart(spec.body, req.body ?? {}, 'body', errors) : {};
      if (errors.length > 0) throw new ValidationError(errors);
      const result = await spec.handler({
        params: params as z.infer<P>,
        query: query as z.infer<Q>,
        body: body as z.infer<B>,
        principal: res.locals.principal as Principal,
        req,
        res,
      });
      if (spec.response.status === 204) res.status(204).end();
      else res.status(spec.response.status).json(result);
    };
    run().catch(next);
  });
}
