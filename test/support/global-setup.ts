// Starts the real services the suite runs against, once per `npm test`: a fresh embedded PostgreSQL
// and a Temporal dev server — or uses DATABASE_URL / TEMPORAL_ADDRESS when they are given.
// TEMPORAL_SERVER=postgres runs Temporal's own server on PostgreSQL instead of the dev server.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate, openOrm } from '../../server/db/orm.ts';
import { startEmbeddedPostgres } from '../../scripts/lib/postgres.ts';
import { findTemporalCli, startTemporalDevServer } from '../../scripts/lib/temporal.ts';
import { startTemporalServer } from '../../scripts/lib/temporal-server.ts';
import { freePort } from '../../server/shared/ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    /** A per-run scratch directory (dev JWT keys and the like). */
    scratchDir: string;
  }
}

export default async function setup(project: TestProject) {
  const stops: (() => Promise<void>)[] = [];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'herald-test-'));
  // mkdtemp makes it private; as root, PostgreSQL runs as another user that must reach its data directory.
  await chmod(scratch, 0o755);
  stops.push(() => rm(scratch, { recursive: true, force: true }));

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'postgres', 'data'),
      port: await freePort(),
      database: 'herald_test',
      persistent: false,
    });
    stops.push(() => postgres.stop());
    databaseUrl = postgres.url;
  }

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress && process.env.TEMPORAL_SERVER === 'postgres') {
    // Temporal's databases sit beside Herald's, on the same PostgreSQL server.
    const target = new URL(databaseUrl);
    const temporal = await startTemporalServer({
      postgres: { host: target.hostname, port: Number(target.port || 5432), user: decodeURIComponent(target.username), password: decodeURIComponent(target.password) },
      databasePrefix: `temporal_${process.pid}`,
      workDir: path.join(scratch, 'temporal-server'),
      namespace: 'default',
      log: (line) => console.log(`[test setup] ${line}`),
    });
    stops.push(() => temporal.stop());
    temporalAddress = temporal.address;
  } else if (process.env.TEMPORAL_SERVER && process.env.TEMPORAL_SERVER !== 'dev') {
    throw new Error(`TEMPORAL_SERVER must be "dev" (the default) or "postgres", not "${process.env.TEMPORAL_SERVER}"`);
  }
  if (!temporalAddress) {
    const cli = findTemporalCli({
      explicitPath: process.env.TEMPORAL_CLI_PATH,
      log: (line) => console.log(`[test setup] ${line}`),
    });
    const temporal = await startTemporalDevServer({
      cli,
      port: await freePort(),
      namespace: 'default',
      logFile: path.join(scratch, 'temporal.log'),
    });
    stops.push(() => temporal.stop());
    temporalAddress = temporal.address;
  }

  // Migrate once here, so test files start from the current schema without racing each other.
  const orm = await openOrm(databaseUrl);
  try {
    await migrate(orm, databaseUrl);
  } finally {
    await orm.close();
  }

  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', temporalAddress);
  project.provide('scratchDir', scratch);

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
