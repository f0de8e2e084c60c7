// The engines a benchmark or the fuzz run works on, thrown away afterwards: an embedded PostgreSQL, and a Temporal dev server
// (SQLite in memory) or Temporal's own server on that PostgreSQL (`--temporal=postgres`). The production run gives
// Herald's database a PostgreSQL server of its own, so it can restart it without touching Temporal's.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { migrate, openOrm, type Orm } from '../../server/db/orm.ts';
import { freePort } from '../../server/shared/ports.ts';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres.ts';
import { findTemporalCli, startTemporalDevServer } from './temporal.ts';
import { startTemporalServer } from './temporal-server.ts';

export type TemporalKind = 'dev' | 'postgres';

export interface Engines {
  databaseUrl: string;
  /** The first server as an administrator sees it (pgbench and Temporal's schema tool connect so); Temporal's. */
  postgres: { host: string; port: number; user: string; password: string };
  orm: Orm;
  /** The server Herald's database lives on: the one above, or its own with `ownHeraldServer` (kept on disk so it can restart). */
  heraldServer: RunningPostgres;
  scratch: string;
  temporalAddress(): Promise<string>;
  temporalKind: TemporalKind;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** Herald's database on a PostgreSQL server of its own, Temporal's staying on the first (as compose runs them). */
  ownHeraldServer?: boolean;
}

export async function startEngines(temporalKind: TemporalKind, say: (line: string) => void, name = 'bench', options: EngineOptions = {}): Promise<Engines> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), `herald-${name}-`));
  // mkdtemp makes it private; as root, PostgreSQL runs as another user that must reach its data directory.
  await chmod(scratch, 0o755);
  const stops: (() => Promise<unknown>)[] = [() => rm(scratch, { recursive: true, force: true })];
  say('starting embedded PostgreSQL…');
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(scratch, 'postgres', 'data'),
    port: await freePort(),
    database: `herald_${name}`,
    persistent: false,
  });
  stops.push(() => postgres.stop());
  const url = new URL(postgres.url);
  let heraldServer = postgres;
  if (options.ownHeraldServer) {
    say("starting Herald's own embedded PostgreSQL…");
    heraldServer = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'herald-postgres', 'data'),
      port: await freePort(),
      database: `herald_${name}`,
      // Its data must survive a stop: the run restarts it under load.
      persistent: true,
    });
    stops.push(() => heraldServer.stop());
  }
  const orm = await openOrm(heraldServer.url, { logger: () => {} });
  stops.push(() => orm.close());
  await migrate(orm, heraldServer.url);

  let temporal: Promise<string> | undefined;
  const admin = { host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  return {
    databaseUrl: heraldServer.url,
    postgres: admin,
    orm,
    heraldServer,
    scratch,
    temporalKind,
    // Started on first use, so the debit benchmark alone needs no Temporal.
    temporalAddress() {
      temporal ??= (async () => {
        if (temporalKind === 'postgres') {
          say("starting Temporal's own server on PostgreSQL…");
          const server = await startTemporalServer({
            postgres: admin,
            databasePrefix: 'temporal',
            workDir: path.join(scratch, 'temporal-server'),
            namespace: 'default',
            log: say,
          });
          stops.push(() => server.stop());
          return server.address;
        }
        say('starting a Temporal dev server…');
        const dev = await startTemporalDevServer({
          cli: findTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, log: say }),
          port: await freePort(),
          namespace: 'default',
          logFile: path.join(scratch, 'temporal.log'),
        });
        stops.push(() => dev.stop());
        return dev.address;
      })();
      return temporal;
    },
    async close() {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}
