import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import scalarReference from '@scalar/fastify-api-reference';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { DestinationStream } from 'pino';
import { fastifyTRPCOpenApiPlugin } from 'trpc-to-openapi';
import { loggerOptions } from '../logger.ts';
import type { Services } from '../services.ts';
import { createHttpContextFactory, type Context } from '../trpc/context.ts';
import { procedureMetas } from '../trpc/meta.ts';
import { appRouter, type AppRouter } from '../trpc/router.ts';
import { exactErrorBody, registerErrorHandlers } from './errors.ts';
import { recordProviderStatuses } from '../modules/messages/provider-status.service.ts';
import { channelTokenOf, numbersOfWaba } from '../modules/channels/channels.service.ts';
import { pendingRootsOf } from '../modules/escalations/escalation.service.ts';
import { recordInboundMessages } from '../modules/inbound/inbound.service.ts';
import { applyTemplateEvents, wabaHasToken } from '../modules/templates/template-sync.service.ts';
import { applyConsentKeywords, recordUserPreferences } from '../modules/contacts/consent-webhooks.service.ts';
import { registerWhatsAppSandbox } from '../modules/whatsapp/sandbox.ts';
import { whatsappSettings } from '../modules/whatsapp/sandbox-token.ts';
import { registerWebhookRoutes } from '../modules/whatsapp/webhook-routes.ts';
import { registerHealthRoutes } from './health.ts';
import { refuseDeepJsonText, registerJsonBodyParser } from './json-body.ts';
import { registerMethodGuard } from './methods.ts';
import { trustProxyOption } from './trust-proxy.ts';
import { registerMetrics } from './metrics-route.ts';
import { webhookStatuses } from '../metrics.ts';
import { buildOpenApiDocument } from './openapi.ts';

/** Room for a 10,000-contact import; anything larger is refused with 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** Meta's status names; anything else is counted as `other`, so a label never takes a caller's text. */
const KNOWN_STATUSES = new Set<string>(['sent', 'delivered', 'read', 'failed']);

/** A client's X-Request-Id is kept only when it is a short token that cannot forge log lines or headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requestIdFor(request: Pick<IncomingMessage, 'headers'>): string {
  const offered = request.headers['x-request-id'];
  return typeof offered === 'string' && SAFE_REQUEST_ID.test(offered) ? offered : randomUUID();
}

export interface AppOptions {
  /** `false` keeps test output readable; a stream (and level) captures the log lines, as tests of logging do. */
  logger?: boolean | { stream: DestinationStream; level?: string };
  /** Serve the WhatsApp sandbox in sandbox mode (default); tests run it on a server of its own instead. */
  mountSandbox?: boolean;
}

/** Builds the HTTP face of Herald: tRPC at /trpc, the same procedures as REST, health and docs. */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : typeof options.logger === 'object'
          ? { ...loggerOptions(options.logger.level ?? services.config.LOG_LEVEL, 'herald-api'), stream: options.logger.stream }
          : loggerOptions(services.config.LOG_LEVEL, 'herald-api'),
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: requestIdFor,
    routerOptions: { maxParamLength: 200 },
    // Behind a proxy, request.ip (rate limits, logs) is the client's address only when TRUST_PROXY names the proxy.
    trustProxy: trustProxyOption(services.config.TRUST_PROXY),
  });

  // Security headers everywhere; the API reference page runs its own inline script, so CSP is left to /docs.
  await app.register(helmet, { contentSecurityPolicy: false });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandlers(app);
  registerJsonBodyParser(app);
  const document = buildOpenApiDocument();
  registerMethodGuard(app, document);
  registerMetrics(app, document, services.config.METRICS_TOKEN);

  const createContext = createHttpContextFactory(services);
  const onError = ({ error, path, ctx }: { error: { code: string; message: string; cause?: unknown }; path?: string; ctx?: Context }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      services.logger.error({ err: error.cause ?? error, path, reqId: ctx?.requestId }, 'procedure failed');
    }
  };
  // A procedure that creates something answers 201 (its meta says so); batches keep tRPC's 200.
  const metas = procedureMetas(appRouter);
  const responseMeta = ({ ctx, paths, errors }: { ctx?: Context; paths?: readonly string[]; errors: readonly unknown[] }) => {
    const status = errors.length === 0 && paths?.length === 1 && !ctx?.response.replayed ? metas.get(paths[0]!)?.successStatus : undefined;
    return status ? { status } : {};
  };

  await app.register(async (trpc) => {
    trpc.addHook('preValidation', refuseDeepJsonText);
    await trpc.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: { router: appRouter, createContext, onError, responseMeta } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
    });
  });

  registerHealthRoutes(app, services);
  await registerWebhookRoutes(app, {
    appSecret: services.webhookSecret,
    verifyToken: services.config.WHATSAPP_VERIFY_TOKEN,
    onStatuses: (statuses) => {
      for (const status of statuses) webhookStatuses.inc({ status: KNOWN_STATUSES.has(status.status) ? status.status : 'other' });
      return recordProviderStatuses(services.orm.em.fork(), services.messageWorkflows, statuses, services.logger);
    },
    onMessages: async (messages) => {
      const em = services.orm.em.fork();
      // A STOP is stored and honoured together: a crash between the two would leave a redelivery nothing new to act on.
      const writings = await em.transactional(async (tx) => {
        const stored = await recordInboundMessages(tx, { platformPhoneNumberId: services.config.whatsapp.phoneNumberId }, messages, services.logger);
        await applyConsentKeywords(tx, stored, services.logger);
        return stored;
      });
      // A reply may resolve the escalations of messages sent to its writer.
      const writers = [...new Set(writings.map((writing) => writing.contactId))];
      for (const rootId of await pendingRootsOf(em, writers)) await services.messageWorkflows.wakeEscalation(rootId);
    },
    onTemplateEvents: (events) => applyTemplateEvents(services.orm.em.fork(), events, services.logger),
    onUserPreferences: (changes) =>
      recordUserPreferences(services.orm.em.fork(), { platformPhoneNumberId: services.config.whatsapp.phoneNumberId }, changes, services.logger),
  });
  if (services.config.whatsappMode === 'sandbox' && options.mountSandbox !== false) {
    // The simulator answers the worker's Graph API calls (with the token they share) and posts signed statuses back to this API.
    await registerWhatsAppSandbox(app, {
      accessToken: (await whatsappSettings(services.config)).accessToken,
      // The platform token reaches the platform number and its WABA only.
      platform: services.channels.platform,
      // A tenant's channel takes the token it was registered with, as its number would on Meta.
      numberToken: (phoneNumberId) => channelTokenOf(services.orm.em.fork(), services.channels.box, phoneNumberId),
      describeNumber: async (phoneNumberId) => {
        const [row] = await services.orm.em
          .fork()
          .execute<{ waba_id: string; display_phone_number: string | null }[]>('select waba_id, display_phone_number from channel where phone_number_id = ?', [
            phoneNumberId,
          ]);
        return row ? { wabaId: row.waba_id, displayPhoneNumber: row.display_phone_number ?? undefined } : undefined;
      },
      wabaNumbers: (wabaId) => numbersOfWaba(services.orm.em.fork(), wabaId),
      // Embedded Signup, simulated: a code the API's signed-in signup issued yields a fresh token for that number and WABA.
      signup: { app: services.channels.signup.app, redeem: (code) => services.channels.signup.sandboxCodes?.redeem(code) ?? Promise.resolve(undefined) },
      // A channel's token reaches its WABA (templates, subscriptions), as on Meta.
      wabaToken: (wabaId, token) => wabaHasToken(services.orm.em.fork(), services.channels.box, wabaId, token),
      templateApprovalDelayMs: services.config.sandboxTemplateApprovalDelayMs,
      webhookUrl: `http://127.0.0.1:${services.config.PORT}/webhook/meta`,
      appSecret: services.webhookSecret!,
    });
  }
  app.get('/.well-known/jwks.json', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return { keys: [services.keys.publicJwk] };
  });

  app.get('/openapi.json', { logLevel: 'warn' }, async () => document);
  await app.register(scalarReference, {
    routePrefix: '/docs',
    logLevel: 'warn',
    configuration: {
      url: '/openapi.json',
      pageTitle: 'Herald API reference',
      // No web fonts from Scalar's CDN: the page works offline and calls nobody else.
      withDefaultFonts: false,
      // Herald's reference only: no vendor toolbar (deploy, SDK generator), AI agent, client promotion or telemetry.
      showDeveloperTools: 'never',
      agent: { disabled: true },
      hideClientButton: true,
      telemetry: false,
      // Every protected route takes the JWT from auth.login as a bearer token; the auth box offers it up front.
      authentication: { preferredSecurityScheme: 'bearerAuth' },
    },
  });

  // Actions that take no body (POST /messages/{id}/cancel) may be sent bare, as REST callers do; the
  // bridge otherwise insists on a JSON content type for every POST.
  app.addHook('preHandler', async (request, reply) => {
    const empty = Number(request.headers['content-length'] ?? 0) === 0 && request.body === undefined;
    if (request.method === 'POST' && !request.headers['content-type'] && empty) {
      request.headers['content-type'] = 'application/json';
    }
    // Every REST body Herald takes is a JSON object; `null`, an array or a bare value would otherwise reach a
    // procedure whose fields all come from the path (PATCH /channels/{id}) as "no changes". (tRPC has its own.)
    const body: unknown = request.body;
    const json = /^application\/json/i.test(request.headers['content-type'] ?? '');
    const notAnObject = body === null || (typeof body !== 'object' && body !== undefined) || Array.isArray(body);
    const rest = !request.url.startsWith('/trpc/');
    if ((request.method === 'POST' || request.method === 'PATCH') && rest && json && notAnObject) {
      return reply.code(400).send({ code: 'BAD_REQUEST', message: 'The request body must be a JSON object' });
    }
  });

  // The REST bridge matches the procedures' OpenAPI paths; it answers 404 JSON for anything unknown.
  await app.register(async (bridge) => {
    bridge.addHook('onSend', exactErrorBody);
    await bridge.register(fastifyTRPCOpenApiPlugin, {
      router: appRouter,
      createContext,
      onError,
      responseMeta,
      maxBodySize: BODY_LIMIT_BYTES,
    });
  });

  return app;
}
