import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared.ts';

/**
 * The Temporal CLI tag built from the Go module proxy. Newer tags carry a `replace` directive in their
 * go.mod, which `go install pkg@version` refuses, so this is the newest that builds that way.
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const CACHE_DIR = process.env.HERALD_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'herald');
export const CACHED_CLI_PATH = path.join(CACHE_DIR, 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');

/**
 * Task-queue Priority and Fairness (server 1.29: off by default, switched on per dynamic config): single messages
 * and escalations ahead of campaign traffic, and each tenant its share (server/temporal/priority.ts). Every
 * Temporal server Herald starts gets these; the Go server's dynamic config file lists the same.
 */
export const TASK_QUEUE_PRIORITY_CONFIG = { 'matching.useNewMatcher': true, 'matching.enableFairness': true } as const;
const dynamicConfigArgs = () => Object.entries(TASK_QUEUE_PRIORITY_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go build';
export interface FoundCli {
  path: string;
  source: CliSource;
}

const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then an earlier build in the cache,
 * then a build with the machine's Go. Undefined means "let the SDK download it".
 */
export function findTemporalCli(options: { explicitPath?: string; build?: boolean; log?: (line: string) => void }): FoundCli | undefined {
  const log = options.log ?? (() => {});
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) {
      throw new Error(`TEMPORAL_CLI_PATH=${options.explicitPath} is not an executable file`);
    }
    return { path: options.explicitPath, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  if (isExecutable(CACHED_CLI_PATH)) return { path: CACHED_CLI_PATH, source: 'cache' };
  if (options.build === false || !onPath('go')) return undefined;

  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${path.dirname(CACHED_CLI_PATH)} (once; a few minutes)…`);
  const result = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: path.dirname(CACHED_CLI_PATH), GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status === 0 && isExecutable(CACHED_CLI_PATH)) return { path: CACHED_CLI_PATH, source: 'go build' };
  log(`The Go build of the Temporal CLI failed (exit ${result.status}); trying the SDK's download instead.`);
  return undefined;
}

export interface DevServerOptions {
  cli: FoundCli | undefined;
  port: number;
  /** Serve the Web UI on this port; undefined runs headless. */
  uiPort?: number;
  namespace: string;
  /** Persist state in this SQLite file; undefined keeps it in memory. */
  dbFile?: string;
  /** Where the server's own output goes (a file keeps the terminal readable). */
  logFile?: string;
  ip?: string;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string | undefined;
  source: CliSource | 'SDK download';
  stop(): Promise<void>;
}

/** Starts a local Temporal dev server with Herald's search attributes registered, and waits until it answers. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningTemporal> {
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port}`;
  const searchAttributes = Object.values(SEARCH_ATTRIBUTES);
  if (!options.cli) return startWithSdkDownload(options, address, searchAttributes);

  if (options.dbFile) await mkdir(path.dirname(options.dbFile), { recursive: true });
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--namespace', options.namespace];
  args.push('--log-level', 'warn');
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  for (const name of searchAttributes) args.push('--search-attribute', `${name}=Keyword`);
  args.push(...dynamicConfigArgs());

  // Its own process group: Ctrl-C reaches Herald first, which stops the worker before the server.
  const child = spawn(options.cli.path, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  let recent = '';
  const collect = (chunk: Buffer) => {
    output?.write(chunk);
    recent = (recent + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  try {
    await waitUntilServing(address, child, () => recent);
    // `--search-attribute` only takes effect on a new database file; one kept from an older Herald lacks newer ones.
    await ensureSearchAttributes(address, options.namespace, searchAttributes);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${options.uiPort}` : undefined,
    source: options.cli.source,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
      output?.end();
    },
  };
}

/** Temporal's IndexedValueType KEYWORD (temporal.api.enums.v1), the type of every Herald search attribute. */
const KEYWORD = 2;

/** Registers those of Herald's search attributes the namespace lacks (all Keyword). */
export async function ensureSearchAttributes(address: string, namespace: string, names: string[]): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = names.filter((name) => !(name in (existing.customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])) });
  } finally {
    await connection.close();
  }
}

/** Waits until a Temporal frontend answers at `address`, failing early if its process exits. */
export async function waitUntilServing(address: string, child: ChildProcess, output: () => string, what = 'The Temporal dev server', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} ${exited}:\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${what} did not answer on ${address} within ${timeoutMs / 1000} s:\n${output()}`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Last resort, for machines with internet but neither the CLI nor Go: the SDK downloads the dev server. */
async function startWithSdkDownload(options: DevServerOptions, address: string, searchAttributes: string[]): Promise<RunningTemporal> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const { defineSearchAttributeKey } = await import('@temporalio/common');
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download', downloadDir: path.join(CACHE_DIR, 'temporal-download') },
        ip: options.ip ?? '127.0.0.1',
        port: options.port,
        namespace: options.namespace,
        ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
        ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
        searchAttributes: searchAttributes.map((name) => defineSearchAttributeKey(name, 'KEYWORD')),
        extraArgs: dynamicConfigArgs(),
      },
    });
    return {
      address,
      uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : undefined,
      source: 'SDK download',
      stop: () => env.teardown(),
    };
  } catch (error) {
    throw new Error(
      'No Temporal dev server available: install the `temporal` CLI (or Go, to build it), ' +
        'set TEMPORAL_CLI_PATH, or point TEMPORAL_ADDRESS at a running Temporal. ' +
        `(The SDK download failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    );
  }
}

