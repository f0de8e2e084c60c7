import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import { migrate, openOrm, type Orm } from './db/orm.ts';
import { loggerOptions } from './logger.ts';
import type { Services } from './services.ts';
import { randomBytes } from 'node:crypto';
import { ensureSuperAdmin } from './modules/auth/auth.service.ts';
import { startMissingCampaignWorkflows } from './modules/campaigns/campaign-reconcile.ts';
import { startReconciler } from './modules/messages/reconciler.ts';
import { createGraphClient } from './modules/whatsapp/graph-client.ts';
import { whatsappSettings } from './modules/whatsapp/sandbox-token.ts';
import { sandboxSignupCodes } from './modules/whatsapp/sandbox-accounts.ts';
import { loadSigningKeys } from './modules/auth/keys.ts';
import type { ChannelSettings } from './modules/channels/channels.service.ts';
import { loadTokenBox, type TokenBox } from './modules/channels/token-box.ts';
import { createTemporalClient } from './temporal/client.ts';
import { templateMetaSettings } from './modules/templates/template-meta.service.ts';
import type { WorkflowSettings } from './temporal/settings.ts';
import { workflowClients } from './temporal/workflow-clients.ts';
import type { RunningWorker } from './temporal/worker.ts';
import { measuredSender } from './metrics.ts';
import { startWorkerMetricsServer } from './worker-metrics.ts';
import { freePort } from './shared/ports.ts';

/** Where the two external services are; the entry points fill these from configuration or embedded defaults. */
export interface Endpoints {
  databaseUrl: string;
  temporalAddress: string;
}

export interface ApiHandle {
  app: FastifyInstance;
  services: Services;
  url: string;
  close(): Promise<void>;
}

export function createLogger(config: Config, name: string): Logger {
  return pino(loggerOptions(config.LOG_LEVEL, name));
}

/** Opens the database, applies migrations and returns the ORM: every process does this before work. */
export async function openDatabase(databaseUrl: string, logger: Logger): Promise<Orm> {
  const orm = await openOrm(databaseUrl);
  const applied = await migrate(orm, databaseUrl);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  return orm;
}

/** How this process runs workflows: the one place their settings are built. */
export const workflowSettings = (config: Config, temporal: Client): WorkflowSettings => ({
  temporal,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  statusWaitMs: config.messageStatusWaitMs,
});

/** The channel tokens' box: HERALD_ENCRYPTION_KEY (and previous keys), or the dev key under the data directory. */
export const channelTokenBox = (config: Config): Promise<TokenBox> =>
  loadTokenBox({ current: config.HERALD_ENCRYPTION_KEY, previous: config.HERALD_ENCRYPTION_KEYS_PREVIOUS ?? [], dataDir: config.HERALD_DATA_DIR });

/** Where channel tokens are checked (Meta in cloud mode; no check in sandbox mode) and Embedded Signup goes. */
async function channelSettings(config: Config): Promise<ChannelSettings> {
  const app =
    config.META_APP_ID && config.META_APP_SECRET
      ? { appId: config.META_APP_ID, appSecret: config.META_APP_SECRET }
      : config.whatsappMode === 'sandbox'
        ? { appId: 'sandbox-app', appSecret: 'sandbox-app-secret' }
        : undefined;
  // config.whatsapp itself, not a copy: it is where Graph calls go (tests point it at their stand-in).
  const box = await channelTokenBox(config);
  return {
    box,
    verifyAt: config.whatsappMode === 'cloud' ? config.whatsapp : undefined,
    // In sandbox mode the mounted simulator redeems only the codes this process's signed-in Embedded Signup issues.
    signup: { location: config.whatsapp, app, sandboxCodes: config.whatsappMode === 'sandbox' ? sandboxSignupCodes() : undefined },
    platform: { phoneNumberId: config.whatsapp.phoneNumberId, wabaId: templateMetaSettings(config, box).platformWabaId },
  };
}

/** The API's dependencies, built once per process (tests build them the same way). */
export async function buildServices(config: Config, endpoints: Endpoints, orm: Orm, logger: Logger): Promise<Services> {
  const keys = await loadSigningKeys({
    privatePem: config.JWT_PRIVATE_KEY,
    publicPem: config.JWT_PUBLIC_KEY,
    dataDir: config.HERALD_DATA_DIR,
  });
  const temporal = createTemporalClient(endpoints.temporalAddress, config.TEMPORAL_NAMESPACE);
  const workflows = workflowClients(workflowSettings(config, temporal));
  return {
    config,
    orm,
    temporal,
    messageWorkflows: workflows.messages,
    campaignWorkflows: workflows.campaigns,
    runEcho: workflows.runEcho,
    logger,
    keys,
    tokens: { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttl: config.JWT_TTL },
    webhookSecret: config.webhookAppSecret ?? (config.whatsappMode === 'sandbox' ? randomBytes(32).toString('hex') : undefined),
    channels: await channelSettings(config),
  };
}

export async function startApi(config: Config, endpoints: Endpoints, orm: Orm, logger: Logger): Promise<ApiHandle> {
  if (config.SUPER_ADMIN_EMAIL && config.SUPER_ADMIN_PASSWORD) {
    const outcome = await ensureSuperAdmin(orm.em.fork(), config.SUPER_ADMIN_EMAIL, config.SUPER_ADMIN_PASSWORD);
    if (outcome === 'held-by-tenant-user') {
      // A tenant's user registered this address first; serving on without an operator beats not starting.
      logger.error(
        { email: config.SUPER_ADMIN_EMAIL },
        'SUPER_ADMIN_EMAIL belongs to a tenant user: no platform operator was created; set SUPER_ADMIN_EMAIL to another address',
      );
    } else {
      logger.info({ email: config.SUPER_ADMIN_EMAIL, outcome }, 'super admin ready');
    }
  }
  const services = await buildServices(config, endpoints, orm, logger);
  const temporal = services.temporal;
  // Loaded here, not at the top: the worker process never serves HTTP, so it need not carry Fastify, tRPC and the docs page.
  const { buildApp } = await import('./http/app.ts');
  const app = await buildApp(services);
  await app.listen({ port: config.PORT, host: config.HOST });
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  return {
    app,
    services,
    url: `http://${host}:${config.PORT}`,
    async close() {
      await app.close();
      await temporal.connection.close();
    },
  };
}

/** The worker: activities get the database, the WhatsApp client and the prices; the reconciler runs beside it. */
export async function startHeraldWorker(config: Config, endpoints: Endpoints, orm: Orm, logger: Logger): Promise<RunningWorker> {
  // Loaded here, not at the top: the worker SDK (native core, webpack) would otherwise weigh on the API process too.
  const [{ installTemporalLogging }, { startWorker }] = await Promise.all([import('./temporal/logging.ts'), import('./temporal/worker.ts')]);
  // The SDK's exporter listens on loopback only: the worker's own /metrics serves its text with Herald's.
  const sdkMetricsAddress = config.WORKER_METRICS_PORT > 0 ? `127.0.0.1:${await freePort()}` : undefined;
  const sdkMetrics = installTemporalLogging(logger, 'WARN', sdkMetricsAddress);
  // Listening before the worker polls: a taken port stops the start instead of leaving a worker nobody scrapes.
  const metrics =
    config.WORKER_METRICS_PORT > 0
      ? await startWorkerMetricsServer(
          { port: config.WORKER_METRICS_PORT, host: config.HOST, temporalUrl: sdkMetrics && `http://${sdkMetrics}/metrics`, token: config.METRICS_TOKEN },
          logger,
        )
      : undefined;
  const temporal = createTemporalClient(endpoints.temporalAddress, config.TEMPORAL_NAMESPACE);
  const workflows = workflowClients(workflowSettings(config, temporal));
  const tokens = await channelTokenBox(config);
  const worker = await startWorker(
    { address: endpoints.temporalAddress, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE },
    {
      orm,
      whatsapp: measuredSender(createGraphClient(await whatsappSettings(config))),
      tokens,
      prices: config.prices,
      messageWorkflows: workflows.messages,
      platformRatePerSecond: config.WHATSAPP_RATE_LIMIT_PER_SECOND,
      templateMeta: templateMetaSettings(config, tokens),
    },
  );
  // The worker, not the API, owns the sync's schedule: it runs the sync, and a deployment without workers needs none.
  // Sandbox mode has nothing to sync: the simulator's templates live in the API's memory and its webhooks are not lost.
  if (config.whatsappMode === 'cloud') {
    await workflows.templateSync.ensure(config.templateSyncIntervalMs);
  }
  const reconciler = startReconciler(orm, workflows.messages, config.reconcileIntervalMs, logger, [
    { what: 'campaigns', run: (em) => startMissingCampaignWorkflows(em, workflows.campaigns) },
  ]);
  return {
    worker: worker.worker,
    async stop() {
      await metrics?.close();
      reconciler.stop();
      await worker.stop();
      await temporal.connection.close();
    },
  };
}

/**
 * Runs `stop` once on SIGINT/SIGTERM. Under `npm start` a Ctrl-C arrives twice (the terminal signals the
 * whole process group and npm forwards its own copy), so repeats within two seconds are the same request;
 * a later one exits at once.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < 2000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    firstAt = Date.now();
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
