import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../lib/db/connect';
import type { Role } from '../lib/db/database';
import { findActiveApiKeyByHash, touchApiKey } from '../lib/db/api-key.repository';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from './errors';

export interface Principal {
  keyId: number | null; // null for the bootstrap admin key from config
  name: string;
  role: Role;
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `rk_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const roleAllows = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];

function presentedKey(header: string | undefined, apiKeyHeader: string | undefined): string | undefined {
  if (apiKeyHeader) return apiKeyHeader.trim();
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

/** Resolves the caller from its API key (stored hashed); the bootstrap admin key comes from config. */
export function authenticate(db: Db, bootstrapAdminKey: string | undefined): RequestHandler {
  const bootstrapHash = bootstrapAdminKey ? Buffer.from(hashApiKey(bootstrapAdminKey), 'hex') : null;
  return (req, res, next) => {
    const key = presentedKey(req.header('authorization'), req.header('x-api-key'));
    if (!key) return next(new UnauthorizedError());
    const hash = hashApiKey(key);
    if (bootstrapHash && timingSafeEqual(Buffer.from(hash, 'hex'), bootstrapHash)) {
      res.locals.principal = { keyId: null, name: 'bootstrap-admin', role: 'admin' } satisfies Principal;
      return next();
    }
    findActiveApiKeyByHash(db, hash).then(
      (row) => {
        if (!row) return next(new UnauthorizedError('Unknown or revoked API key.', true));
        res.locals.principal = { keyId: row.id, name: row.name, role: row.role } satisfies Principal;
        // Best effort and at most once a minute per key: not a write on every request.
        if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) touchApiKey(db, row.id).catch(() => undefined);
        next();
      },
      (err: unknown) => next(new ServiceUnavailableError('The API key could not be checked: the database is unavailable.', err)),
    );
  };
}

export function assertRole(principal: Principal | undefined, need: Role): void {
  if (!principal) throw new UnauthorizedError();
  if (!roleAllows(principal.role, need)) throw new ForbiddenError(`This needs the ${need} role; your key has ${principal.role}.`);
}
