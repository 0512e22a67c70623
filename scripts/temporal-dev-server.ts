/**
 * Runs `temporal server start-dev` as a child process: SQLite persistence in `${dataDir}/temporal.sqlite` (workflow
 * history survives restarts), the Web UI on, the project's custom search attributes registered, `namespace` created.
 * Resolves once the frontend answers and the namespace + search attributes are visible; close() stops it with SIGTERM
 * (SIGKILL after a timeout).
 *
 * The child runs in its own process group, so a terminal Ctrl-C reaches only the Node process, which then shuts the
 * worker down BEFORE the server it talks to. If the Node process exits without calling close(), an 'exit' hook still
 * sends SIGTERM (a SIGKILLed parent leaves it running: `pkill` it by the --db-filename shown in the log).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../lib/temporal/search-attributes';

/** The dev server's SQLite settings for `npm start` and the bench (see below). */
export const DEV_SERVER_SQLITE_PRAGMAS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off'];

export interface TemporalDevServerOptions {
  cliPath: string;
  dataDir: string;
  /** Interface the frontend and UI bind to. Default 127.0.0.1. */
  host?: string;
  /** Frontend gRPC port. Default 7233; 0 picks a free port. */
  port?: number;
  /** Web UI port. Default port + 1000 (8233); 0, or port 0, picks a free port. */
  uiPort?: number;
  /** Namespace to create at launch ("default" always exists). Default "default". */
  namespace?: string;
  /** Receives each line the server prints. Default: dropped (the last lines are kept for error messages). */
  log?: (line: string) => void;
  /** How long to wait for the frontend. Default 60 s. */
  readyTimeoutMs?: number;
  /** How long close() waits after SIGTERM before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

export interface TemporalDevServer {
  /** host:port of the gRPC frontend, for TEMPORAL_ADDRESS. */
  address: string;
  uiUrl: string;
  close(): Promise<void>;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function assertPortFree(host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `${what} port ${host}:${port} is already in use (another Temporal server?). ` +
                `Stop it, or set TEMPORAL_ADDRESS=${host}:${port} to use that server instead.`,
            )
          : error,
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const host = opts.host ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  const requestedPort = opts.port ?? 7233;
  const port = requestedPort === 0 ? await freePort(host) : requestedPort;
  let uiPort = opts.uiPort ?? (requestedPort === 0 || port + 1000 > 65_535 ? 0 : port + 1000);
  if (uiPort === 0) uiPort = await freePort(host);
  if (requestedPort !== 0) await assertPortFree(host, port, 'Temporal frontend');
  if (opts.uiPort !== 0) await assertPortFree(host, uiPort, 'Temporal Web UI');

  const dataDir = path.resolve(opts.dataDir);
  await fs.mkdir(dataDir, { recursive: true });
  const dbFile = path.join(dataDir, 'temporal.sqlite');

  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--ui-disable-news-fetch',
    '--db-filename',
    dbFile,
    // Write-ahead log, no fsync per commit: about 3x the throughput of the defaults (measured). The price: a machine
    // crash (not a process crash) can lose the dev server's last writes. Production runs a real Temporal cluster.
    ...DEV_SERVER_SQLITE_PRAGMAS,
    '--namespace',
    namespace,
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
  ];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS)) args.push('--search-attribute', `${name}=${type}`);

  const recent: string[] = [];
  const emit = (line: string) => {
    if (!line.trim()) return;
    recent.push(line);
    if (recent.length > 40) recent.shift();
    opts.log?.(line);
  };
  emit(`$ ${opts.cliPath} ${args.join(' ')}`);

  const child: ChildProcess = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? '';
      lines.forEach(emit);
    });
    stream.on('end', () => emit(buffered));
  }

  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      emit(`temporal server exited (${signal ?? `code ${code}`})`);
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {});
  const onParentExit = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', onParentExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off('exit', onParentExit);
      if (exited) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exitPromise.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), stopTimeoutMs))),
      ]);
      clearTimeout(timer); // a pending timer would keep the process alive after shutdown
      if (timedOut && !exited) {
        emit(`temporal server did not stop within ${stopTimeoutMs} ms; sending SIGKILL`);
        child.kill('SIGKILL');
        await exitPromise;
      }
    })();
    return stopping;
  };

  const address = `${host}:${port}`;
  const uiHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  const failure = (message: string) =>
    new Error(`${message}\n--- last temporal server output ---\n${recent.join('\n')}`);

  try {
    await Promise.race([spawnError, waitReady(address, namespace, readyTimeoutMs, () => exited)]).catch((error) => {
      throw failure(exited ? 'temporal server exited during startup' : (error as Error).message);
    });
  } catch (error) {
    await stop();
    throw error;
  }

  return { address, uiUrl: `http://${uiHost}:${uiPort}`, close: stop };
}

/** Polls until the frontend accepts connections, the namespace exists and our search attributes are registered. */
async function waitReady(address: string, namespace: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const wanted = Object.keys(SEARCH_ATTRIBUTE_DEFINITIONS);
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('temporal server exited');
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = wanted.filter((name) => !(customAttributes && name in customAttributes));
      if (missing.length === 0) return;
      lastError = new Error(`search attributes not registered yet: ${missing.join(', ')}`);
    } catch (error) {
      lastError = error;
    } finally {
      await connection?.close().catch(() => {});
    }
    await sleep(250);
  }
  throw new Error(
    `temporal server at ${address} not ready after ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}
