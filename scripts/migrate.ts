// `npm run migrate` applies pending migrations; `npm run migration:create` writes a new, blank one.
// Herald's migrations are written by hand in SQL: the schema carries rules entity metadata cannot
// express (the ledger's append-only trigger, partial unique indexes, checks), so a generated diff
// would undo them. Both use DATABASE_URL, or the embedded dev database (started here for the duration).
import { existsSync } from 'node:fs';
import { loadConfigOrExit } from '../server/config.ts';
import { migrate, openOrm } from '../server/db/orm.ts';
import { openDevDatabase, type RunningPostgres } from './lib/postgres.ts';

if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfigOrExit();
const create = process.argv[2] === 'create';

let postgres: RunningPostgres | undefined;
let databaseUrl = config.DATABASE_URL;
if (!databaseUrl) {
  postgres = (await openDevDatabase({ dataDir: config.HERALD_DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT, create: true }))!;
  databaseUrl = postgres.url;
}

const orm = await openOrm(databaseUrl);
try {
  if (create) {
    const result = await orm.migrator.create(undefined, true);
    console.log(`wrote ${result.fileName}: write its SQL in up() and down(); it is picked up by file name`);
  } else {
    const applied = await migrate(orm, databaseUrl);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
  }
} finally {
  await orm.close();
  await postgres?.stop();
}
