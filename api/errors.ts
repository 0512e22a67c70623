import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../lib/logger';

export interface FieldError {
  path: string;
  message: string;
}

/** An error the API answers with as RFC 9457 problem+json. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly errors?: FieldError[],
    options?: { cause?: unknown },
  ) {
    super(detail ?? title, options);
    this.name = 'HttpError';
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
export class UnauthorizedError extends HttpError {
  constructor(detail = 'A valid API key is required (Authorization: Bearer <key> or X-API-Key).') {
    super(401, 'Unauthorized', detail);
  }
}
export class ForbiddenError extends HttpError {
  constructor(detail: string) {
    super(403, 'Forbidden', detail);
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

/** The one error middleware: known errors become problem+json; anything else a 500 with a request id. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof HttpError) {
      send(res, err.status, {
        type: err.type,
        title: err.title,
        status: err.status,
        detail: err.message,
        instance: req.originalUrl,
        ...(err.errors ? { errors: err.errors } : {}),
      });
      return;
    }
    // body-parser errors carry a status and type
    const status = typeof err?.status === 'number' ? err.status : undefined;
    if (status && status >= 400 && status < 500) {
      const detail = err.type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : String(err.message);
      const errors = err.type === 'entity.parse.failed' ? [{ path: 'body', message: 'invalid JSON' }] : undefined;
      send(res, status, { type: 'about:blank', title: status === 413 ? 'Payload too large' : 'Bad request', status, detail, ...(errors ? { errors } : {}) });
      return;
    }
    const requestId = randomUUID();
    logger.error({ err, requestId, method: req.method, path: req.originalUrl }, 'unhandled error');
    send(res, 500, { type: 'about:blank', title: 'Internal server error', status: 500, detail: `Unexpected error; request id ${requestId}`, requestId });
  };
}
