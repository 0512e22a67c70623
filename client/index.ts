/**
 * The typed client of the Relay API, generated from its OpenAPI document (`npm run client:generate` writes
 * schema.d.ts; openapi-fetch does the requests). The console uses it and nothing else; use it from your own
 * TypeScript code too:
 *
 *   const relay = createRelayClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.RELAY_KEY });
 *   const page = await unwrap(relay.GET('/api/v1/clients', { params: { query: { limit: 100, tag: 'vip' } } }));
 *   page.items[0].phone; // typed from the document
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };
export type Schemas = components['schemas'];
export type RelayClient = Client<paths>;

export interface RelayClientOptions {
  /** Origin of the API, e.g. http://127.0.0.1:3000 (no /api/v1: the paths carry it). '' for the same origin. */
  baseUrl: string;
  /** An API key (rk_…): sent as a bearer token. Leave out in a browser signed in to the console (cookie session). */
  apiKey?: string;
  /** The console's CSRF token for cookie-authenticated writes (sent as X-CSRF-Token). */
  csrfToken?: () => string | undefined;
  fetch?: typeof fetch;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function createRelayClient(options: RelayClientOptions): RelayClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.apiKey ? {} : { credentials: 'same-origin' }),
  });
  const auth: Middleware = {
    onRequest({ request }) {
      if (options.apiKey) request.headers.set('authorization', `Bearer ${options.apiKey}`);
      const token = options.csrfToken?.();
      if (token && UNSAFE.has(request.method)) request.headers.set('x-csrf-token', token);
      return request;
    },
  };
  client.use(auth);
  return client;
}

/** An RFC 9457 problem the API answered with: status, title, detail and the field errors (path → message). */
export class RelayProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: { path: string; message: string }[];
  readonly requestId: string | undefined;

  constructor(status: number, body: unknown) {
    const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    super(detail ?? title);
    this.name = 'RelayProblem';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(problem.errors)
      ? problem.errors.filter((e): e is { path: string; message: string } => typeof e?.path === 'string' && typeof e?.message === 'string')
      : [];
    this.requestId = typeof problem.request_id === 'string' ? problem.request_id : undefined;
  }

  /** The message for a field, by its path without the `body.` / `query.` prefix (e.g. 'phone', 'filter.tags'). */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.path.replace(/^(body|query|params)\./, '') === field)?.message;
  }
}

/** The data of an openapi-fetch answer, or a RelayProblem thrown for an error answer. */
export async function unwrap<T>(result: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await result;
  if (error !== undefined || !response.ok) throw new RelayProblem(response.status, error);
  return data as T;
}
