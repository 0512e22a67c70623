import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Options, type RateLimitInfo, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import { rateLimitKeyOf, type Principal } from './auth';
import { TooManyRequestsError, UnauthorizedError } from './errors';
import { PostgresRateLimitStore, RateLimitPurger } from './rate-limit-store';

const MINUTE = 60_000;
export const AUTH_FAILURE_WINDOW_MS = 15 * MINUTE;
const V1_PATH = /^\/api\/v1(\/|$)/i; // Express routes case-insensitively, so /API/V1 reaches the same routes

export interface RateLimitSettings {
  /** Requests per minute per API key; 0 = no limit. */
  perKeyPerMinute: number;
  /** Requests per minute per client address to the paths that need no key; 0 = no limit. */
  unauthPerMinute: number;
  /** Failed authentications per client address per AUTH_FAILURE_WINDOW_MS; 0 = no limit. */
  authFailures: number;
}

export const rateLimitSettingsFromConfig = (config: Config): RateLimitSettings => ({
  perKeyPerMinute: config.RATE_LIMIT_PER_MINUTE,
  unauthPerMinute: config.RATE_LIMIT_UNAUTH_PER_MINUTE,
  authFailures: config.RATE_LIMIT_AUTH_FAILURES,
});

/** What a per-address limit counts by: the client's address (see TRUST_PROXY), an IPv6 client by its /56. */
const clientAddressKey = (req: Request): string => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown', 56);

const secondsUntil = (info: RateLimitInfo | undefined, windowMs: number): number =>
  info?.resetTime ? Math.max(1, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(windowMs / 1000);

/** express-rate-limit's logger: the store's errors (the database away) at most once per 10 s each, with a count. */
function throttledLogger(logger: Logger, limiter: string): Options['logger'] {
  let lastAt = 0;
  let suppressed = 0;
  return {
    error(err: unknown, message?: string) {
      if (Date.now() - lastAt < 10_000) {
        suppressed++;
        return;
      }
      logger.error({ err, limiter, suppressed }, message ?? 'rate limit error');
      lastAt = Date.now();
      suppressed = 0;
    },
    warn(err: unknown, message?: string) {
      logger.warn({ err, limiter }, message ?? 'rate limit warning');
    },
  };
}

export interface RateLimits {
  /** Per client address, on every path outside /api/v1 (/health, /docs, /openapi.json, unknown paths). */
  publicPaths: RequestHandler;
  /** Before the key is looked at: an address past its failed-authentication budget gets 429s, even with a good key. */
  authLockout: RequestHandler;
  /** After authentication: counts each 401 per address; past the budget the answer is a 429 instead. */
  authFailures: ErrorRequestHandler;
  /** After authentication: per API key (or console session); a caller without either (the console's public session paths) per address. */
  perKey: RequestHandler;
}

const pass: RequestHandler = (_req, _res, next) => next();
const passError: ErrorRequestHandler = (err, _req, _res, next) => next(err);

/**
 * The API's rate limits (express-rate-limit): fixed windows counted in PostgreSQL (shared by every replica, see
 * rate-limit-store.ts), IETF draft-8 `RateLimit` / `RateLimit-Policy` headers on every counted answer, 429
 * problem+json with Retry-After past a limit. When the database cannot count, requests pass (fail open) and the
 * error is logged: an outage of the counters must not become an outage of the API.
 */
export function createRateLimits(db: Db, settings: RateLimitSettings, logger: Logger): RateLimits {
  const purger = new RateLimitPurger(db, (err) => logger.warn({ err }, 'could not purge ended rate limit windows'));
  const limiter = (
    name: string,
    limit: number,
    windowMs: number,
    detail: string,
    keyGenerator: Options['keyGenerator'],
  ): RateLimitRequestHandler =>
    rateLimit({
      windowMs,
      limit,
      identifier: name,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator,
      store: new PostgresRateLimitStore(db, `${name}:`, purger),
      passOnStoreError: true,
      logger: throttledLogger(logger, name),
      handler: (req, _res, next) => {
        const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
        const seconds = secondsUntil(info, windowMs);
        next(new TooManyRequestsError(`${detail} (${limit} per ${windowMs / MINUTE} min); retry in ${seconds} s.`, seconds));
      },
    });

  const publicLimit =
    settings.unauthPerMinute > 0
      ? limiter('per-address', settings.unauthPerMinute, MINUTE, 'Too many requests from this address', clientAddressKey)
      : null;

  const perKey =
    settings.perKeyPerMinute > 0
      ? limiter('per-key', settings.perKeyPerMinute, MINUTE, 'Too many requests with this API key or console session', (_req, res) => rateLimitKeyOf(res.locals.principal as Principal))
      : null;

  const failures =
    settings.authFailures > 0
      ? limiter('auth-failures', settings.authFailures, AUTH_FAILURE_WINDOW_MS, 'Too many failed authentications from this address', clientAddressKey)
      : null;
  const failureLog = throttledLogger(logger, 'auth-failures');

  return {
    publicPaths: publicLimit ? (req, res, next) => (V1_PATH.test(req.path) ? next() : publicLimit(req, res, next)) : pass,
    authLockout: failures
      ? (req, _res, next) => {
          Promise.resolve(failures.getKey(clientAddressKey(req))).then(
            (count) => {
              if (count && count.totalHits >= settings.authFailures) return next(new UnauthorizedError('This address has failed authentication too often.'));
              next();
            },
            (err: unknown) => {
              failureLog.error(err, 'rate limit store unavailable: the lockout is not checked');
              next();
            },
          );
        }
      : pass,
    authFailures: failures
      ? (err, req, res, next) => {
          if (!(err instanceof UnauthorizedError)) return next(err);
          // Counted; under the budget the 401 goes on (with this policy's headers), past it the limiter answers 429.
          failures(req, res, (limiterError?: unknown) => next(limiterError ?? err));
        }
      : passError,
    perKey: (req, res, next) => {
      const limit = res.locals.principal ? perKey : publicLimit;
      return limit ? limit(req, res, next) : next();
    },
  };
}
