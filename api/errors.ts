import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';

export interface FieldError {
  path: string;
  message: string;
}

/** An error the API answers with as RFC 9457 problem+json (with `headers` set on the answer, e.g. Allow, Retry-After). */
export class HttpError extends Error {
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly errors?: FieldError[],
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(detail ?? title, options);
    this.name = 'HttpError';
    this.headers = options?.headers ?? {};
  }
  get type(): string {
    return `https://relay.dev/problems/${this.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  }
}

export class ValidationError extends HttpError {
  constructor(errors: FieldError[], detail = 'The request is invalid; see errors for each field.') {
    super(400, 'Validation failed', detail, errors);
  }
}
export class NotFoundError extends HttpError {
  constructor(what: string) {
    super(404, 'Not found', `${what} not found`);
  }
}
export class ConflictError extends HttpError {
  constructor(detail: string, errors?: FieldError[]) {
    super(409, 'Conflict', detail, errors);
  }
}
/** The challenge of RFC 6750 (X-API-Key: <key> is accepted too, as the detail says). */
const CHALLENGE = 'Bearer realm="relay"';
export class UnauthorizedError extends HttpError {
  constructor(detail = 'A valid API key is required (Authorization: Bearer <key> or X-API-Key).', keyPresented = false) {
    super(401, 'Unauthorized', detail, undefined, { headers: { 'WWW-Authenticate': keyPresented ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE } });
  }
}
export class ForbiddenError extends HttpError {
  constructor(detail: string) {
    super(403, 'Forbidden', detail);
  }
}
export class MethodNotAllowedError extends HttpError {
  constructor(method: string, path: string, allow: string[]) {
    super(405, 'Method not allowed', `${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`, undefined, { headers: { Allow: allow.join(', ') } });
  }
}
export class TooManyRequestsError extends HttpError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, 'Too many requests', detail, undefined, { headers: { 'Retry-After': String(Math.max(0, Math.ceil(retryAfterSeconds))) } });
  }
}
export class ServiceUnavailableError extends HttpError {
  constructor(detail: string, cause?: unknown) {
    super(503, 'Service unavailable', detail, undefined, { cause });
  }
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'Not found', `No route ${req.method} ${req.path}`));
};

function send(res: Parameters<ErrorRequestHandler>[2], status: number, body: Record<string, unknown>): void {
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

/**
 * The one error middleware: known errors become problem+json; anything else a 500. Every problem carries the
 * request's id (`request_id`, also in the X-Request-Id header and on every log line of the request); a 5xx's error
 * goes on the request's log line (api/request-log.ts), stack and cause included.
 */
export function errorHandler(): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const requestId = String(req.id ?? randomUUID());
    if (err instanceof HttpError) {
      if (err.status >= 500) res.err = err; // the request's log line carries it, cause included
      res.set(err.headers);
      send(res, err.status, {
        type: err.type,
        title: err.title,
        status: err.status,
        detail: err.message,
        instance: req.originalUrl,
        request_id: requestId,
        ...(err.errors ? { errors: err.errors } : {}),
      });
      return;
    }
    // body-parser errors carry a status and type
    const status = typeof err?.status === 'number' ? err.status : undefined;
    if (status && status >= 400 && status < 500) {
      const detail = err.type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : String(err.message);
      const errors = err.type === 'entity.parse.failed' ? [{ path: 'body', message: 'invalid JSON' }] : undefined;
      send(res, status, {
        type: 'about:blank',
        title: status === 413 ? 'Payload too large' : 'Bad request',
        status,
        detail,
        instance: req.originalUrl,
        request_id: requestId,
        ...(errors ? { errors } : {}),
      });
      return;
    }
    res.err = err instanceof Error ? err : new Error(String(err)); // logged with its stack on the request's line
    send(res, 500, {
      type: 'about:blank',
      title: 'Internal server error',
      status: 500,
      detail: `Unexpected error; request id ${requestId}`,
      instance: req.originalUrl,
      request_id: requestId,
    });
  };
}
