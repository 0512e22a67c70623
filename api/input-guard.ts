import type { RequestHandler } from 'express';
import { ValidationError, type FieldError } from './errors';

/** Deeper JSON than this is refused: no request body of this API nests anywhere near it. */
export const MAX_JSON_DEPTH = 64;

const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

/**
 * The first problem in a parsed input (body, query or path parameters): a string or key holding a NUL character,
 * which PostgreSQL cannot store in text or jsonb, or nesting deeper than MAX_JSON_DEPTH. The walk is iterative (an
 * explicit stack), so no input can overflow the call stack, and it stops at the first problem.
 */
export function findBadInput(value: unknown, root: string, maxDepth = MAX_JSON_DEPTH): FieldError | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000')) return { path: item.path, message: NUL_MESSAGE };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= maxDepth) return { path: item.path, message: `nests deeper than ${maxDepth} levels` };
    const entries = Array.isArray(item.value) ? item.value.map((child, i) => [String(i), child] as const) : Object.entries(item.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i];
      const path = `${item.path}.${key}`;
      if (key.includes('\u0000')) return { path: `${item.path}.${JSON.stringify(key).slice(1, -1)}`, message: `key ${NUL_MESSAGE}` };
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return null;
}

/** A JSON body with a NUL character anywhere, or nested absurdly deep, is a 400 naming the field. */
export const guardBody: RequestHandler = (req, _res, next) => {
  const problem = findBadInput(req.body, 'body');
  next(problem === null ? undefined : new ValidationError([problem]));
};
