/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL, or, when it is unset, to the embedded PGlite
 * database under DATA_DIR (the one `npm start` uses; refused while `npm start` holds it). Prints what ran.
 */
import path from 'node:path';
import { loadConfigForBoot, type Config } from '../lib/config';
import { createDb, type Db } from '../lib/db/connect';
import { EMBEDDED_POOL_MAX, startEmbeddedPostgres, type EmbeddedPostgres } from '../lib/db/embedded';
import { runMigrations } from '../lib/db/migrate';

async function main(config: Config): Promise<void> {
  let embedded: EmbeddedPostgres | undefined;
  let db: Db | undefined;
  try {
    let target: string;
    if (config.DATABASE_URL) {
      db = createDb(config.DATABASE_URL, { max: 1 });
      const url = new URL(config.DATABASE_URL);
      target = `${url.host}${url.pathname} (DATABASE_URL)`;
    } else {
      const dataDir = path.resolve(config.DATA_DIR);
      embedded = await startEmbeddedPostgres(dataDir, (line) => process.stderr.write(`${line}\n`));
      db = createDb(embedded.url, { max: EMBEDDED_POOL_MAX });
      target = `embedded PGlite in ${path.join(dataDir, 'pglite')}`;
    }
    console.log(`Migrating ${target}`);
    const applied = await runMigrations(db);
    if (applied.length === 0) console.log('Nothing to do: every migration is already applied.');
    else console.log(`Applied ${applied.length} migration(s):\n${applied.map((name) => `  ${name}`).join('\n')}`);
  } finally {
    await db?.destroy();
    await embedded?.close();
  }
}

const config = loadConfigForBoot();
if (config) main(config).catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
