// `npm start`: Herald on embedded defaults — PostgreSQL and a Temporal dev server unless configured,
// then the worker and the API in this process. Ctrl-C stops everything in order.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfigOrExit } from '../server/config.ts';
import { createLogger, onShutdown, openDatabase, startApi, startHeraldWorker } from '../server/runtime.ts';
import { startEmbeddedPostgres, type RunningPostgres } from './lib/postgres.ts';
import { findTemporalCli, startTemporalDevServer, type RunningTemporal } from './lib/temporal.ts';

if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfigOrExit();
const logger = createLogger(config, 'herald');
const started = Date.now();
const dataDir = config.HERALD_DATA_DIR;
await mkdir(dataDir, { recursive: true });

const say = (line: string) => process.stdout.write(`[herald] ${line}\n`);
const stops: (() => Promise<void>)[] = [];
let postgres: RunningPostgres | undefined;
let temporal: RunningTemporal | undefined;

async function stopAll() {
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (error) {
      logger.warn({ err: error }, 'while stopping');
    }
  }
}
onShutdown(logger, async () => {
  say('stopping…');
  await stopAll();
  say('stopped');
});

try {
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    say(`starting embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_POSTGRES_PORT} (data in ${path.join(dataDir, 'postgres')})`);
    postgres = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'postgres', 'data'),
      port: config.EMBEDDED_POSTGRES_PORT,
      database: 'herald',
      persistent: true,
      log: (line) => logger.debug({ component: 'postgres' }, line),
    });
    stops.push(() => postgres!.stop());
    databaseUrl = postgres.url;
  }

  let temporalAddress = config.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const cli = findTemporalCli({ explicitPath: config.TEMPORAL_CLI_PATH, log: say });
    say(`starting the Temporal dev server (${cli ? `${cli.source}: ${cli.path}` : 'SDK download'})`);
    temporal = await startTemporalDevServer({
      cli,
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      dbFile: path.join(dataDir, 'temporal', 'dev.sqlite'),
      logFile: path.join(dataDir, 'temporal', 'server.log'),
    });
    stops.push(() => temporal!.stop());
    temporalAddress = temporal.address;
  }

  const endpoints = { databaseUrl, temporalAddress };
  const orm = await openDatabase(databaseUrl, logger);
  stops.push(() => orm.close());
  const worker = await startHeraldWorker(config, endpoints, orm, logger);
  stops.push(() => worker.stop());
  const api = await startApi(config, endpoints, orm, logger);
  stops.push(() => api.close());

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(`ready in ${seconds} s`);
  say(`  API            ${api.url}`);
  say(`  API reference  ${api.url}/docs`);
  say(`  OpenAPI        ${api.url}/openapi.json`);
  say(`  tRPC           ${api.url}/trpc`);
  say(`  Temporal UI    ${temporal?.uiUrl ?? `(external Temporal at ${temporalAddress})`}`);
  say(`  PostgreSQL     ${postgres ? `127.0.0.1:${config.EMBEDDED_POSTGRES_PORT} (embedded)` : 'DATABASE_URL'}`);
  say('Press Ctrl-C to stop.');
} catch (error) {
  console.error(`[herald] could not start: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
}
