import type { RequestHandler, Router } from 'express';
import { match } from 'path-to-regexp';
import { MethodNotAllowedError } from './errors';

type Layer = Router['stack'][number];

interface KnownPath {
  matches: (path: string) => boolean;
  methods: Set<string> | 'any';
}

const isRouter = (handle: unknown): handle is { stack: Layer[] } =>
  typeof handle === 'function' && Array.isArray((handle as { stack?: unknown }).stack);

/**
 * The routes a router serves, read from its layers: its own routes and those of the routers mounted in it with
 * `router.use(child)` (at its root, as api/app.ts mounts them). Paths are matched as Express matches them (case
 * insensitive, a trailing slash allowed).
 */
function knownPaths(stack: Layer[], out: KnownPath[] = []): KnownPath[] {
  for (const layer of stack) {
    if (layer.route) {
      const paths = ([] as unknown[]).concat(layer.route.path).filter((p): p is string => typeof p === 'string');
      const methods = layer.route.stack.map((l) => l.method);
      for (const path of paths) {
        const matcher = match(path === '/' ? path : path.replace(/\/+$/, ''), { decode: false, end: true, trailing: true, sensitive: false });
        out.push({
          matches: (p) => matcher(p) !== false,
          methods: methods.some((m) => !m || m === '_all') ? 'any' : new Set(methods.map((m) => m.toUpperCase())),
        });
      }
    } else if (isRouter(layer.handle)) {
      knownPaths(layer.handle.stack, out);
    }
  }
  return out;
}

/**
 * For a path some route of `router` serves: OPTIONS answers 204 with `Allow`, a method no route there takes is a
 * 405 problem+json with `Allow` (HEAD goes wherever GET does). Paths no route serves go on (to the 404). Mount it in
 * `router` before the routes; it reads them on the first request, when they are all registered.
 */
export function methodNotAllowed(router: Router): RequestHandler {
  let paths: KnownPath[] | undefined;
  return (req, res, next) => {
    paths ??= knownPaths(router.stack);
    const allowed = new Set<string>();
    for (const known of paths) {
      if (!known.matches(req.path)) continue;
      if (known.methods === 'any') return next();
      for (const method of known.methods) allowed.add(method);
    }
    if (allowed.size === 0) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.add('OPTIONS');
    const allow = [...allowed].sort();
    if (req.method === 'OPTIONS') {
      res.set('Allow', allow.join(', ')).status(204).end();
      return;
    }
    if (allowed.has(req.method)) return next();
    next(new MethodNotAllowedError(req.method, req.originalUrl.split('?')[0], allow));
  };
}
