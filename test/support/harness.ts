// One Herald (API + optional worker) per test file, against the suite's real PostgreSQL and Temporal.
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../server/config.ts';
import { openOrm, type Orm } from '../../server/db/orm.ts';
import { buildApp } from '../../server/http/app.ts';
import { buildServices, channelTokenBox, workflowSettings } from '../../server/runtime.ts';
import { createTemporalClient } from '../../server/temporal/client.ts';
import { workflowClients } from '../../server/temporal/workflow-clients.ts';
import type { Services } from '../../server/services.ts';
import { installTemporalLogging } from '../../server/temporal/logging.ts';
import { createGraphClient } from '../../server/modules/whatsapp/graph-client.ts';
import { templateMetaSettings } from '../../server/modules/templates/template-meta.service.ts';
import { whatsappSettings } from '../../server/modules/whatsapp/sandbox-token.ts';
import type { SandboxDelays } from '../../server/modules/whatsapp/sandbox.ts';
import { startSandboxServer, type SandboxServer } from '../../server/modules/whatsapp/sandbox-server.ts';
import { WORKFLOWS_PATH, startWorker, type RunningWorker } from '../../server/temporal/worker.ts';
import { freePort } from '../../server/shared/ports.ts';
import { measuredSender } from '../../server/metrics.ts';
import { startReconciler, type ReconcilePass } from '../../server/modules/messages/reconciler.ts';
import { startWorkerMetricsServer } from '../../server/worker-metrics.ts';

export interface Harness {
  app: FastifyInstance;
  /** Base URL of the listening API, for real HTTP clients. */
  url: string;
  services: Services;
  orm: Orm;
  temporal: Client;
  config: Config;
  worker: RunningWorker | undefined;
  /** The stand-in for Meta: records every send call it answered. */
  sandbox: SandboxServer;
  close(): Promise<void>;
}

/** A worker for this file's task queue, sending through the given sandbox (tests also start one after a crash). */
export async function startTestWorker(config: Config, orm: Orm, sandboxUrl: string, metrics?: WorkerMetricsOptions): Promise<RunningWorker> {
  const whatsapp = await whatsappSettings(config);
  const tokens = await channelTokenBox(config);
  // The worker's own client, as in production: escalation steps start their level messages' workflows with it.
  const temporal = createTemporalClient(config.TEMPORAL_ADDRESS!, config.TEMPORAL_NAMESPACE);
  const running = await startWorker(
    {
      address: config.TEMPORAL_ADDRESS!,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: await workflowBundle(),
    },
    {
      orm,
      whatsapp: measuredSender(createGraphClient({ ...whatsapp, baseUrl: sandboxUrl, timeoutMs: 2_000 })),
      tokens,
      prices: config.prices,
      messageWorkflows: workflowClients(workflowSettings(config, temporal)).messages,
      platformRatePerSecond: config.WHATSAPP_RATE_LIMIT_PER_SECOND,
      templateMeta: templateMetaSettings(config, tokens),
    },
  );
  // As startHeraldWorker serves it: this process's registry and the Temporal SDK's text.
  const server = metrics
    ? await startWorkerMetricsServer({ port: metrics.port, host: '127.0.0.1', temporalUrl: metrics.temporalUrl, token: undefined }, quiet)
    : undefined;
  // Once only: a test may stop the worker itself (a restart) before the harness closes.
  let stopped: Promise<void> | undefined;
  return {
    worker: running.worker,
    stop: () => (stopped ??= running.stop().then(async () => {
      await temporal.connection.close();
      await server?.close();
    })),
  };
}

const quiet = pino({ level: 'silent' });

/** The reconciler a worker runs, over this Herald's database and Temporal, every `intervalMs` (and any further passes). */
/** Every workflow client of this file's task queue, as a process builds them (for tests that start a reconciler or a campaign). */
export function testWorkflowClients(herald: Harness) {
  return workflowClients({ temporal: herald.temporal, taskQueue: herald.config.TEMPORAL_TASK_QUEUE, statusWaitMs: 60_000 });
}

export function startTestReconciler(herald: Harness, intervalMs: number, passes: ReconcilePass[] = []): { stop(): void } {
  return startReconciler(herald.orm, testWorkflowClients(herald).messages, intervalMs, quiet, passes);
}

/** The worker's /metrics listener: its port, and where the Temporal SDK serves its own metrics (if installed so). */
export interface WorkerMetricsOptions {
  port: number;
  temporalUrl?: string | undefined;
}
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle is built once per test file (it takes a few seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  return bundle;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    // A task queue of its own keeps this file's workflows away from other files' workers.
    TEMPORAL_TASK_QUEUE: `herald-test-${randomUUID()}`,
    // Dev keys go to a scratch directory, never the checkout's .data/.
    HERALD_DATA_DIR: inject('scratchDir'),
    // Sign-in limits are tested on their own; elsewhere many sign-ins come from one address.
    AUTH_RATE_LIMIT_PER_IP: '100000',
    AUTH_RATE_LIMIT_PER_EMAIL: '100000',
    // The platform number the tests' hand-made webhooks name (the sandbox reports the number it was sent from).
    WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
    ...overrides,
  });
}

export interface HarnessOptions {
  worker?: boolean;
  config?: Config;
  /** Delays of the WhatsApp sandbox's status webhooks (it runs on its own local server speaking Meta's formats). */
  sandboxDelays?: Partial<SandboxDelays>;
  /** Run in cloud mode: the API checks channel tokens against the stand-in for Meta (Graph calls go to it). */
  cloud?: boolean;
  /** More environment for the configuration (e.g. META_APP_ID), over the mode's own. */
  env?: Record<string, string>;
  /**
   * Keeps every log line (JSON text, level debug and up) of the API, its services, the Temporal runtime and the
   * stand-in here. The Temporal runtime is the process's: give this to the file's first harness.
   */
  logLines?: string[];
  /** The worker serves /metrics on this port (with `worker`). */
  workerMetrics?: WorkerMetricsOptions;
  /** Sandbox mode as `npm start` runs it: the simulator mounted in the API (on a port of its own), not the stand-in. */
  mounted?: boolean;
}

/** A pino logger writing each line into `lines`. */
function memoryLogger(lines: string[]) {
  const stream = { write: (line: string) => void lines.push(line) };
  return { stream, logger: pino({ level: 'debug' }, stream) };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const memory = options.logLines ? memoryLogger(options.logLines) : undefined;
  const logger = memory?.logger ?? quiet;
  installTemporalLogging(logger, memory ? 'INFO' : 'WARN');
  const config =
    options.config ??
    testConfig({
      ...(options.cloud
        ? {
            WHATSAPP_MODE: 'cloud',
            WHATSAPP_ACCESS_TOKEN: `platform-${randomUUID()}`,
            WHATSAPP_APP_SECRET: randomUUID(),
            // Replaced by the stand-in's URL once it listens (config.whatsapp is where Graph calls go).
            WHATSAPP_API_BASE_URL: 'http://127.0.0.1:9',
          }
        : {}),
      ...(options.mounted ? { PORT: String(await freePort()) } : {}),
      ...options.env,
    });
  const orm = await openOrm(config.DATABASE_URL!);
  const endpoints = { databaseUrl: config.DATABASE_URL!, temporalAddress: config.TEMPORAL_ADDRESS! };
  const services = await buildServices(config, endpoints, orm, logger);
  const temporal = services.temporal;
  const app = await buildApp(services, { logger: memory ? { stream: memory.stream, level: 'debug' } : false, mountSandbox: options.mounted === true });
  await app.listen({ port: options.mounted ? config.PORT : 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const sandbox = await startSandboxServer({
    accessToken: (await whatsappSettings(config)).accessToken,
    webhookUrl: `${url}/webhook/meta`,
    appSecret: services.webhookSecret!,
    delaysMs: { sent: 50, delivered: 150, read: 300, ...options.sandboxDelays },
    retryDelaysMs: [100, 300, 1000],
    log: memory ? logger.child({ name: 'meta-stand-in' }) : { info() {}, warn() {}, error() {} },
    app: services.channels.signup.app,
  });
  // Mounted: Graph calls stay on the API's own /sandbox/graph, as under `npm start`.
  if (!options.mounted) config.whatsapp.baseUrl = sandbox.url;
  const worker = options.worker ? await startTestWorker(config, orm, config.whatsapp.baseUrl, options.workerMetrics) : undefined;

  return {
    app,
    url,
    services,
    orm,
    temporal,
    config,
    worker,
    sandbox,
    async close() {
      await app.close();
      await sandbox.close();
      await worker?.stop();
      await temporal.connection.close();
      await orm.close();
    },
  };
}

/** JSON over real HTTP, as a REST caller would send it. */
export async function rest(
  harness: Pick<Harness, 'url'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
