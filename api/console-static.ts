import { existsSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, { type Router } from 'express';

/** Where `npm run console:build` (run by `npm install` through `prepare`) writes the console. */
export const CONSOLE_DIST = path.resolve(__dirname, '..', 'console', 'dist');

/**
 * The console at /console: hashed assets under /console/assets are cached for a year (immutable: a new build has new
 * names), index.html is never cached (it names the current assets), and any other path under /console is the
 * single-page app's own route, answered with index.html. Without a build, a 503 that says how to make one.
 */
export function consoleRoutes(dist = CONSOLE_DIST): Router {
  const router = express.Router();
  const index = path.join(dist, 'index.html');
  // gzip here only: the console's scripts are most of what it weighs (~620 KB -> ~200 KB); the API's own answers
  // (and its event streams) are left as they are.
  router.use(compression());
  router.use(
    '/assets',
    express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }),
  );
  // Other files of the build (favicon and the like) an hour; index.html, even asked for by name, never.
  router.use(
    express.static(dist, {
      index: false,
      maxAge: '1h',
      setHeaders: (res, file) => {
        if (path.basename(file) === 'index.html') res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  router.get(/.*/, (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The console is not built: run `npm run console:build` (npm install does it).\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
