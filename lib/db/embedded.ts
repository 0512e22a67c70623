/**
 * Embedded PostgreSQL for `npm start` without DATABASE_URL: PGlite (Postgres compiled to WASM) stored on disk under
 * `${dataDir}/pglite`, served over TCP on 127.0.0.1:<free port> by PGLiteSocketServer so the ordinary `pg` driver
 * (and so kysely via createDb) talks to it with a postgres:// URL.
 *
 * POOL SIZE RULE: everything in the process shares ONE pool created with `createDb(url, { max: 1 })`.
 *
 * Why (read from @electric-sql/pglite-socket 0.2.17, dist/chunk-*.js, and checked by experiment):
 * - PGlite is a single Postgres backend running in single-user mode: one session, one transaction at a time.
 *   Every socket the server accepts is multiplexed onto that one session by a global QueryQueueManager that runs
 *   one protocol message at a time. While the session is inside a transaction block (PGlite.isInTransaction()),
 *   the queue only runs messages from the connection that opened it; other connections' messages wait until it
 *   commits/rolls back (verified: an autocommit INSERT on connection B completes only after A's COMMIT).
 *   A connection that disconnects mid-transaction gets a ROLLBACK.
 * - So several pool connections do not give parallelism, only hazards: they share session state (SET, temp tables,
 *   named prepared statements, session advisory locks: pg_advisory_lock taken on "connection" A does not exclude
 *   B, it is the same session); outside transactions, messages of two connections are only kept apart because
 *   each TCP chunk happens to be processed without yielding to the event loop; and they hide deadlocks behind
 *   the server's queue instead of the pool's.
 * - With `max: 1` the pg pool itself serialises everything: a kysely transaction holds the only connection and
 *   every other query waits in the pool until it commits. Rules that follow:
 *     * inside `db.transaction().execute(trx => ...)` use `trx` only; a query on `db` there waits forever
 *       (the same code is merely slow on a real PostgreSQL, it deadlocks here);
 *     * keep transactions short and never await network calls (provider, Temporal) inside one: they stall every
 *       other query of the process (API, worker, activities) for their duration.
 * - The server accepts up to SOCKET_SLACK sockets, not 1: with maxConnections 1 a pool that replaces a just-closed
 *   client is refused ("Too many connections" -> "Connection terminated unexpectedly") because the old socket's
 *   close is handled a tick later (seen by experiment). The slack is for that race only, not for bigger pools.
 *
 * One process per data dir: PGlite does NOT lock its data directory (two processes opened the same one at once in a
 * test, which corrupts it), so startEmbeddedPostgres takes `${dataDir}/pglite.lock` (pid inside; a stale lock from a
 * dead process is taken over). `npm run migrate` while `npm start` runs on the same DATA_DIR is therefore refused.
 *
 * close(): stops the socket server (open sockets are dropped, an open transaction is rolled back), closes PGlite
 * (clean shutdown: checkpoint written, postmaster.pid removed) and releases the lock. Call db.destroy() on the
 * kysely instance first. Reopening the same dir afterwards finds the data; after a crash (kill -9) PGlite recovers
 * from its WAL on the next open.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export const EMBEDDED_POOL_MAX = 1;
const SOCKET_SLACK = 8;

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres — pass to createDb(url, { max: EMBEDDED_POOL_MAX }). */
  url: string;
  close(): Promise<void>;
}

const heldLocks = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLock(lockPath: string, log: (l: string) => void): Promise<() => Promise<void>> {
  if (heldLocks.has(lockPath)) throw new Error(`embedded database lock ${lockPath} is already held by this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(lockPath, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY);
      await handle.writeFile(JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      await handle.close();
      heldLocks.add(lockPath);
      return async () => {
        heldLocks.delete(lockPath);
        await fs.rm(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let pid = NaN;
      try {
        pid = Number(JSON.parse(await fs.readFile(lockPath, 'utf8')).pid);
      } catch {
        /* unreadable or half-written lock: treat as stale */
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        throw new Error(
          `embedded database in ${path.dirname(lockPath)} is in use by process ${pid} ` +
            `(lock ${lockPath}); stop that process or set DATABASE_URL`,
        );
      }
      log(`removing stale embedded database lock ${lockPath} (pid ${Number.isNaN(pid) ? '?' : pid} is gone)`);
      await fs.rm(lockPath, { force: true });
    }
  }
  throw new Error(`could not acquire embedded database lock ${lockPath}`);
}

/** Starts PGlite on `${dataDir}/pglite` behind a pg-wire socket on 127.0.0.1 (free port). See the rules above. */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (l: string) => void = () => {},
): Promise<EmbeddedPostgres> {
  const pgDir = path.resolve(dataDir, 'pglite');
  await fs.mkdir(pgDir, { recursive: true });
  const releaseLock = await acquireLock(path.resolve(dataDir, 'pglite.lock'), log);

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    const fresh = (await fs.readdir(pgDir)).length === 0;
    const started = Date.now();
    log(`${fresh ? 'initialising' : 'opening'} embedded PostgreSQL (PGlite) in ${pgDir}`);
    db = await PGlite.create(pgDir);
    log(`embedded PostgreSQL ready in ${Date.now() - started} ms`);

    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: SOCKET_SLACK });
    await server.start();
    const hostPort = server.getServerConn(); // "127.0.0.1:<actual port>" once listening
    const url = `postgres://postgres@${hostPort}/postgres?sslmode=disable`;
    log(`embedded PostgreSQL listening on ${hostPort} (single session: use one pool with max ${EMBEDDED_POOL_MAX})`);

    const openDb = db;
    const openServer = server;
    let closing: Promise<void> | undefined;
    return {
      url,
      close() {
        closing ??= (async () => {
          try {
            await openServer.stop();
            // stop() detaches handlers without awaiting their ROLLBACK; let it run, then make sure.
            await new Promise((resolve) => setImmediate(resolve));
            if (!openDb.closed && openDb.isInTransaction()) await openDb.exec('ROLLBACK').catch(() => {});
            if (!openDb.closed) await openDb.close();
            log('embedded PostgreSQL closed');
          } finally {
            await releaseLock();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await server?.stop().catch(() => {});
    if (db && !db.closed) await db.close().catch(() => {});
    await releaseLock();
    throw error;
  }
}
