import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../lib/logger';

const ENTITY = /^\/api\/v1\/(mailings|clients)\/(\d+)/;
/** An incoming X-Request-Id is kept when it is short and plain (a proxy's or a caller's id); else one is made. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The sign-in callback's query carries the one-time authorization code and state: logged as the path alone. */
const loggedUrl = (url: string): string => (url.startsWith('/auth/') ? url.split('?')[0] : url);

function entityOf(url: string | undefined): Record<string, number> {
  const match = ENTITY.exec((url ?? '').split('?')[0]);
  return match ? { [match[1] === 'mailings' ? 'mailingId' : 'clientId']: Number(match[2]) } : {};
}

/**
 * One JSON line per request (pino-http) on the app's logger, so its redaction applies. Every line a request logs
 * (req.log) carries `reqId`, which is echoed as X-Request-Id and put in every problem+json; mailingId / clientId are
 * named so one grep finds everything about an entity. Headers are not logged (API keys travel in them).
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId(req, res) {
      const id = requestIdOf(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customProps: (req) => entityOf((req as { originalUrl?: string }).originalUrl ?? req.url),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    serializers: {
      req: (req: { method: string; url: string; remoteAddress?: string }) => ({ method: req.method, url: loggedUrl(req.url), remoteAddress: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
