import type { RequestHandler } from 'express';
import type { Logger } from '../lib/logger';

const ENTITY = /^\/api\/v1\/(mailings|clients)\/(\d+)/;

/** One JSON line per request; mailingId / clientId are named so one grep finds everything about an entity. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const match = ENTITY.exec(req.originalUrl.split('?')[0]);
      const entity = match ? { [match[1] === 'mailings' ? 'mailingId' : 'clientId']: Number(match[2]) } : {};
      logger.info(
        { method: req.method, path: req.originalUrl, status: res.statusCode, ms: Number((process.hrtime.bigint() - started) / 1_000_000n), ...entity },
        'request',
      );
    });
    next();
  };
}
