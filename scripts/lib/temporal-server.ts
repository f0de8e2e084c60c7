// Temporal's own server with PostgreSQL persistence, as production runs it (the dev server keeps its state in
// SQLite). Built once from the Go module proxy into the cache, schema set up with Temporal's SQL tool.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, cpSync, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared.ts';
import { freePort, freePortInRange } from '../../server/shared/ports.ts';
import { CACHE_DIR, stopChild, TASK_QUEUE_PRIORITY_CONFIG, waitUntilServing } from './temporal.ts';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const HOME = path.join(CACHE_DIR, 'temporal-server', TEMPORAL_SERVER_VERSION);
const BIN = path.join(HOME, 'bin');
const SCHEMA = path.join(HOME, 'schema', 'postgresql', 'v12');

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The server and its SQL tool, built with Go when missing (about 100 s once), and the schema they ship. */
export function ensureTemporalServer(log: (line: string) => void = () => {}): { server: string; sqlTool: string; schemaDir: string } {
  const server = path.join(BIN, 'server');
  const sqlTool = path.join(BIN, 'sql');
  const goEnv = { ...process.env, GOBIN: BIN, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' };
  for (const [binary, pkg] of [
    [server, 'go.temporal.io/server/cmd/server'],
    [sqlTool, 'go.temporal.io/server/cmd/tools/sql'],
  ] as const) {
    if (executable(binary)) continue;
    log(`Building ${pkg}@${TEMPORAL_SERVER_VERSION} with Go into ${BIN} (once; a few minutes)…`);
    const result = spawnSync('go', ['install', `${pkg}@${TEMPORAL_SERVER_VERSION}`], { env: goEnv, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0 || !executable(binary)) throw new Error(`go install ${pkg}@${TEMPORAL_SERVER_VERSION} failed (exit ${result.status})`);
  }
  if (!existsSync(path.join(SCHEMA, 'temporal', 'versioned'))) {
    // The schema is part of the downloaded module; keep a copy beside the binaries so the cache stands alone.
    const modCache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
    const source = path.join(modCache, `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
    if (!existsSync(source)) throw new Error(`Temporal's PostgreSQL schema was not found at ${source}`);
    mkdirSync(path.dirname(SCHEMA), { recursive: true });
    cpSync(source, SCHEMA, { recursive: true });
  }
  return { server, sqlTool, schemaDir: SCHEMA };
}

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface TemporalServerOptions {
  postgres: PostgresTarget;
  /** Prefix of the two databases it creates (`<prefix>` and `<prefix>_visibility`). */
  databasePrefix: string;
  /** Where its config and log go. */
  workDir: string;
  namespace: string;
  /** Frontend gRPC port; the other services take free ports. */
  port?: number;
  log?: (line: string) => void;
}

export interface RunningTemporalServer {
  address: string;
  stop(): Promise<void>;
}

function runSqlTool(sqlTool: string, target: PostgresTarget, database: string, args: string[]): void {
  const result = spawnSync(
    sqlTool,
    ['--plugin', 'postgres12', '--ep', target.host, '-p', String(target.port), '-u', target.user, '--db', database, ...args],
    { env: { ...process.env, SQL_PASSWORD: target.password }, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed:\n${result.stderr || result.stdout}`);
}

/** Creates (or upgrades) Temporal's persistence and visibility databases: idempotent, as auto-setup does. */
function setupSchema(tools: ReturnType<typeof ensureTemporalServer>, target: PostgresTarget, prefix: string): void {
  for (const [database, kind] of [
    [prefix, 'temporal'],
    [`${prefix}_visibility`, 'visibility'],
  ] as const) {
    runSqlTool(tools.sqlTool, target, database, ['create-database']);
    runSqlTool(tools.sqlTool, target, database, ['setup-schema', '-v', '0.0']);
    runSqlTool(tools.sqlTool, target, database, ['update-schema', '-d', path.join(tools.schemaDir, kind, 'versioned')]);
  }
}

const quote = (value: string) => JSON.stringify(value);

function datastore(target: PostgresTarget, database: string, maxConns: number): string {
  return `      sql:
        pluginName: "postgres12"
        databaseName: ${quote(database)}
        connectAddr: ${quote(`${target.host}:${target.port}`)}
        connectProtocol: "tcp"
        user: ${quote(target.user)}
        password: ${quote(target.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
}

async function writeConfig(options: TemporalServerOptions, frontendPort: number): Promise<string> {
  // Membership ports are stored in a smallint column: they must stay below 32768.
  const [frontendMembership, historyMembership, matchingMembership, workerMembership] = await Promise.all(
    Array.from({ length: 4 }, () => freePortInRange(20_000, 32_000)),
  );
  const [historyGrpc, matchingGrpc, workerGrpc, httpPort] = await Promise.all(Array.from({ length: 4 }, () => freePort()));
  const service = (grpc: number, membership: number, extra = '') =>
    `    rpc:\n      grpcPort: ${grpc}\n      membershipPort: ${membership}\n      bindOnLocalHost: true${extra}`;
  const configDir = path.join(options.workDir, 'config');
  await mkdir(path.join(configDir, 'dynamicconfig'), { recursive: true });
  // Updates on, and new search attributes visible at once (the dev server's defaults); task-queue priority and fairness.
  await writeFile(
    path.join(configDir, 'dynamicconfig', 'herald.yaml'),
    [
      'frontend.enableUpdateWorkflowExecution:\n  - value: true',
      'frontend.enableUpdateWorkflowExecutionAsyncAccepted:\n  - value: true',
      'system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true',
      ...Object.entries(TASK_QUEUE_PRIORITY_CONFIG).map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}`),
      '',
    ].join('\n'),
  );
  const target = options.postgres;
  const yaml = `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
${datastore(target, options.databasePrefix, 20)}
    visibility:
${datastore(target, `${options.databasePrefix}_visibility`, 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
  frontend:
${service(frontendPort, frontendMembership!, `\n      httpPort: ${httpPort}`)}
  matching:
${service(matchingGrpc!, matchingMembership!)}
  history:
${service(historyGrpc!, historyMembership!)}
  worker:
${service(workerGrpc!, workerMembership!)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${frontendPort}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: ${quote(path.join(configDir, 'dynamicconfig', 'herald.yaml'))}
  pollInterval: "10s"
`;
  await writeFile(path.join(configDir, 'development.yaml'), yaml, { mode: 0o600 });
  return configDir;
}

/** Registers the namespace (retention one day) and Herald's search attributes, as compose's setup job does. */
async function prepareNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } catch (error) {
      if (!/already exists/i.test(String((error as Error).message))) throw error;
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const searchAttributes = Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map((name) => [name, 2 /* KEYWORD */]));
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
        return;
      } catch (error) {
        if (/already exists/i.test(String((error as Error).message))) return;
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    await connection.close();
  }
}

/** Starts Temporal's server on PostgreSQL (schema set up first), with the namespace and search attributes ready. */
export async function startTemporalServer(options: TemporalServerOptions): Promise<RunningTemporalServer> {
  const log = options.log ?? (() => {});
  const tools = ensureTemporalServer(log);
  await mkdir(options.workDir, { recursive: true });
  setupSchema(tools, options.postgres, options.databasePrefix);
  const port = options.port ?? (await freePort());
  const configDir = await writeConfig(options, port);
  const output = createWriteStream(path.join(options.workDir, 'server.log'), { flags: 'a' });
  let recent = '';
  const child: ChildProcess = spawn(tools.server, ['--root', options.workDir, '--config', path.relative(options.workDir, configDir), '--env', 'development', '--allow-no-auth', 'start'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    output.write(chunk);
    recent = (recent + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, child, () => recent, 'The Temporal server', 90_000);
    await prepareNamespace(address, options.namespace);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child, 15_000);
      output.end();
    },
  };
}
