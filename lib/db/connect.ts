import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database';

export type Db = Kysely<Database>;
/** The db or a transaction: repositories take it first. */
export type Executor = Kysely<Database>;

// int8 (bigint ids, counts) as JS numbers: ids stay far below 2^53.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** One pool per process. With the embedded PGlite database pass max = 1: it is a single session. */
export function createDb(url: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
  pool.on('error', () => {
    /* idle client errors surface on the next query */
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Runs `work` in a transaction: the caller's when `db` already is one (so repositories compose inside a transaction
 * a route or an activity owns), a new one otherwise.
 */
export async function inTransaction<T>(db: Executor, work: (tx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
