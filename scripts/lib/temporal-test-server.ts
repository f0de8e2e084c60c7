// Temporal's time-skipping test server (the Java one, `io.temporal:temporal-test-server` from Maven Central):
// fetched once with Maven into the cache, started on a free port for the workflow tests that need hours of
// workflow time. The SDK's own build of it is a download from Temporal's site, which machines without
// internet cannot reach; Maven Central is reachable wherever Maven is.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared.ts';
import { CACHE_DIR } from './temporal.ts';

/** The newest release built before @temporalio/* 1.24.0 (July 2026 vs September 2026). */
export const TEMPORAL_TEST_SERVER_VERSION = '1.37.0';
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const MAIN_CLASS = 'io.temporal.testserver.TestServer';
export const TEST_SERVER_DIR = path.join(CACHE_DIR, 'temporal-test-server', TEMPORAL_TEST_SERVER_VERSION);
/** Written last: a folder without it is an interrupted fetch. */
const COMPLETE_MARKER = path.join(TEST_SERVER_DIR, 'complete');

const pom = (version: string) => `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>herald</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${version}</version>
    </dependency>
  </dependencies>
</project>
`;

function hasCommand(command: string): boolean {
  return spawnSync(command, ['-version'], { stdio: 'ignore' }).status === 0;
}

/** The Java class path of the test server, fetching it (and its dependencies) first when not cached. */
export async function ensureTemporalTestServer(log: (line: string) => void = () => {}): Promise<string> {
  const classpath = path.join(TEST_SERVER_DIR, 'lib', '*');
  if (existsSync(COMPLETE_MARKER)) return classpath;
  if (!hasCommand('java')) throw new Error('The time-skipping tests need Java 17 or newer (apt-get install default-jre-headless)');
  if (!hasCommand('mvn')) throw new Error('Fetching the Temporal test server needs Maven (apt-get install maven)');

  log(`Fetching the Temporal test server ${TEMPORAL_TEST_SERVER_VERSION} from Maven Central into ${TEST_SERVER_DIR} (once)…`);
  // A private folder renamed into place: runs fetching at the same time never see each other's half.
  const parent = path.dirname(TEST_SERVER_DIR);
  const staging = path.join(parent, `.fetch-${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  try {
    await writeFile(path.join(staging, 'pom.xml'), pom(TEMPORAL_TEST_SERVER_VERSION));
    const result = spawnSync(
      'mvn',
      ['-B', '-q', '-Dstyle.color=never', '-f', path.join(staging, 'pom.xml'), `-Dmaven.repo.local=${path.join(parent, 'm2')}`,
        `${DEPENDENCY_PLUGIN}:copy-dependencies`, '-DincludeScope=runtime', `-DoutputDirectory=${path.join(staging, 'lib')}`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (result.status !== 0) throw new Error(`Maven could not fetch io.temporal:temporal-test-server:${TEMPORAL_TEST_SERVER_VERSION} (exit ${result.status})`);
    await writeFile(path.join(staging, 'complete'), `${new Date().toISOString()}\n`);
    try {
      await rename(staging, TEST_SERVER_DIR);
    } catch (error) {
      // Another run finished first: its copy is as good as ours.
      if (!existsSync(COMPLETE_MARKER)) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return classpath;
}

export interface RunningTestServer {
  address: string;
  stop(): Promise<void>;
}

/** Starts the test server on `port`, waits until it answers and registers Herald's search attributes. */
export async function startTemporalTestServer(options: { classpath: string; port: number; namespace?: string }): Promise<RunningTestServer> {
  const address = `127.0.0.1:${options.port}`;
  // Quick start-up matters more than peak speed for a server that lives for one test file.
  const child = spawn('java', ['-XX:TieredStopAtLevel=1', '-Xss512k', '-cp', options.classpath, MAIN_CLASS, String(options.port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let recent = '';
  const collect = (chunk: Buffer) => void (recent = (recent + chunk.toString()).slice(-4000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await registerSearchAttributes(address, options.namespace ?? 'default', child, () => recent);
  } catch (error) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw error;
  }
  return {
    address,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
    },
  };
}

/** Retries until the server answers (a JVM on a busy machine takes a few seconds to listen). */
async function registerSearchAttributes(address: string, namespace: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  let exited: string | undefined;
  child.once('exit', (code, signal) => void (exited = `exited with ${signal ?? code}`));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`The Temporal test server ${exited}:\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        const searchAttributes = Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map((name) => [name, 2 /* KEYWORD */]));
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`The Temporal test server did not answer on ${address} within 60 s (${String(lastError)}):\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
