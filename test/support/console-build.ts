import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCES = [path.join(ROOT, 'console', 'src'), path.join(ROOT, 'console', 'index.html'), path.join(ROOT, 'client')];
const BUILT = path.join(ROOT, 'console', 'dist', 'index.html');

async function newestMtime(target: string): Promise<number> {
  const stat = await fs.stat(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of await fs.readdir(target)) newest = Math.max(newest, await newestMtime(path.join(target, entry)));
  return newest;
}

let built: Promise<void> | undefined;

/** Builds console/dist when it is missing or older than its sources, so browser tests always see the current code. */
export function ensureConsoleBuilt(): Promise<void> {
  built ??= (async () => {
    const dist = await fs.stat(BUILT).then((s) => s.mtimeMs, () => 0);
    const sources = Math.max(...(await Promise.all(SOURCES.map(newestMtime))));
    if (dist >= sources) return;
    const result = spawnSync('npm', ['run', 'console:build'], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`console build failed:\n${result.stdout}\n${result.stderr}`);
  })();
  return built;
}
