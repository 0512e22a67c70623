import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../lib/db/connect';
import type { Role } from '../lib/db/database';
import { findActiveApiKeyByHash, touchApiKey } from '../lib/db/api-key.repository';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from './errors';
import type { ConsoleSessions, ResolvedSession } from './session/console-sessions';
import { sessionTokenOf } from './session/cookies';
import { CSRF_HEADER, CsrfError, SessionEndedError } from './session/errors';
import { sameSecret } from './session/tokens';

export interface Principal {
  /** The API key; for a console session, the key it was made from. null: the bootstrap admin key, or an OIDC session. */
  keyId: number | null;
  name: string;
  role: Role;
  /** Set when the console session cookie authenticated the request. */
  session?: { id: number; email: string | null };
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `rk_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const roleAllows = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];

/** What the per-key rate limit counts by: the console session, else the API key. */
export const rateLimitKeyOf = (principal: Principal): string =>
  principal.session ? `session:${principal.session.id}` : principal.keyId === null ? 'bootstrap' : String(principal.keyId);

function presentedKey(header: string | undefined, apiKeyHeader: string | undefined): string | undefined {
  if (apiKeyHeader) return apiKeyHeader.trim();
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

/**
 * Looks an API key up (stored hashed; the bootstrap admin key comes from config): its principal, or null for a key
 * that is unknown or revoked. Throws when the database cannot answer. Used by every request with a key and by the
 * console's sign-in with a key.
 */
export function apiKeyChecker(db: Db, bootstrapAdminKey: string | undefined): (key: string) => Promise<Principal | null> {
  const bootstrapHash = bootstrapAdminKey ? Buffer.from(hashApiKey(bootstrapAdminKey), 'hex') : null;
  return async (key) => {
    const hash = hashApiKey(key);
    if (bootstrapHash && timingSafeEqual(Buffer.from(hash, 'hex'), bootstrapHash)) return { keyId: null, name: 'bootstrap-admin', role: 'admin' };
    const row = await findActiveApiKeyByHash(db, hash);
    if (!row) return null;
    // Best effort and at most once a minute per key: not a write on every request.
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) touchApiKey(db, row.id).catch(() => undefined);
    return { keyId: row.id, name: row.name, role: row.role };
  };
}

/** The console's part in authentication: its sessions, and the paths that answer without credentials. */
export interface ConsoleAuthGate {
  sessions: ConsoleSessions;
  /** Paths (under /api/v1) that answer callers without credentials too: the console's own session endpoints. */
  isPublic(req: Request): boolean;
}

/** Methods that change nothing: the only ones a session cookie may send without the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the caller: an API key (Authorization: Bearer or X-API-Key) first, for machines; else the console's
 * session cookie, whose writes must carry the session's CSRF token (X-CSRF-Token); else nobody, which only the
 * public paths accept. `res.locals.principal` is the caller, `res.locals.session` the console session if any, and
 * `res.locals.sessionEnded` says a cookie named a session that has ended (public paths answer anyway).
 */
export function authenticate(db: Db, bootstrapAdminKey: string | undefined, consoleAuth?: ConsoleAuthGate): RequestHandler {
  const checkKey = apiKeyChecker(db, bootstrapAdminKey);
  return (req, res, next) => {
    const key = presentedKey(req.header('authorization'), req.header('x-api-key'));
    if (key) {
      checkKey(key).then(
        (principal) => {
          if (!principal) return next(new UnauthorizedError('Unknown or revoked API key.', true));
          res.locals.principal = principal satisfies Principal;
          next();
        },
        (err: unknown) => next(new ServiceUnavailableError('The API key could not be checked: the database is unavailable.', err)),
      );
      return;
    }
    const token = consoleAuth ? sessionTokenOf(req) : undefined;
    if (consoleAuth && token) {
      consoleAuth.sessions.resolve(token).then(
        (session: ResolvedSession | null) => {
          if (!session) {
            res.locals.sessionEnded = true;
            return next(consoleAuth.isPublic(req) ? undefined : new SessionEndedError());
          }
          res.locals.principal = session.principal satisfies Principal;
          res.locals.session = session;
          if (!SAFE_METHODS.has(req.method) && !sameSecret(session.csrfToken, req.header(CSRF_HEADER))) return next(new CsrfError());
          next();
        },
        (err: unknown) => next(new ServiceUnavailableError('The session could not be checked: the database is unavailable.', err)),
      );
      return;
    }
    if (consoleAuth?.isPublic(req)) return next();
    next(new UnauthorizedError());
  };
}

export function assertRole(principal: Principal | undefined, need: Role): void {
  if (!principal) throw new UnauthorizedError();
  if (!roleAllows(principal.role, need)) throw new ForbiddenError(`This needs the ${need} role; ${principal.session ? 'your session' : 'your key'} has ${principal.role}.`);
}
