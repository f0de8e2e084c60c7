import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';
import { entities } from './entities.ts';
import { releaseFailedTransactionConnections } from './transaction-release.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

function ormOptions(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: [...entities],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      path: MIGRATIONS_DIR,
      glob: '!(*.d).{js,ts}',
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    // Each request and activity forks its own EntityManager; the global one is never used for work.
    allowGlobalContext: false,
    pool: { min: 0, max: 10 },
    // Called as MikroORM creates its pg Pool, before any connection is made.
    driverOptions: { onPoolCreated: releaseFailedTransactionConnections },
    debug: false,
    ...overrides,
  });
}

export type Orm = MikroORM;

export async function openOrm(databaseUrl: string, overrides: Partial<Options> = {}): Promise<Orm> {
  return MikroORM.init(ormOptions(databaseUrl, overrides));
}

/** An arbitrary constant: the advisory lock that lets only one process migrate at a time. */
const MIGRATION_LOCK = 4_242_001;

/**
 * Applies pending migrations (never schema:update): what every start does before serving. Several API
 * and worker replicas may start together, so they take turns under a PostgreSQL advisory lock.
 */
export async function migrate(orm: Orm, databaseUrl: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await orm.migrator.up();
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end();
  }
}
