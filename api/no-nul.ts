import type { RequestHandler } from 'express';
import { ValidationError } from './errors';

/** The path of the first string (or key) holding a NUL character, which PostgreSQL cannot store in text or jsonb. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, child] of Object.entries(value)) {
    const here = `${path}.${key}`;
    if (key.includes('\u0000')) return here;
    const found = nulPath(child, here);
    if (found !== null) return found;
  }
  return null;
}

/** A JSON body with a NUL character anywhere is a 400 naming the field, not a database error. */
export const refuseNul: RequestHandler = (req, _res, next) => {
  const path = nulPath(req.body, 'body');
  next(path === null ? undefined : new ValidationError([{ path, message: 'must not contain the NUL character (\\u0000)' }]));
};
