// npm's `prepare` (run by `npm install` / `npm ci` in this repository): builds the console into console/dist, so
// `npm install && npm start` serves it at /console. Skipped, with a note, where the build tools are not installed
// (a production install with --omit=dev copies a console built elsewhere).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../node_modules/vite/package.json', import.meta.url))) {
  console.log('prepare: vite is not installed (production install?): the console is not built here');
} else {
  const result = spawnSync('npm', ['run', 'console:build'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
