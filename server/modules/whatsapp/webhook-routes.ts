import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DATABASE_UNAVAILABLE_BODY, isDatabaseUnavailable } from '../../db/unavailable.ts';
import { safeEqualStrings, verifySignature } from './signature.ts';
import type { ProviderStatus } from './types.ts';
import {
  messagesOf,
  parseWebhookEnvelope,
  statusesOf,
  userPreferencesOf,
  type InboundWhatsAppMessage,
  type UserPreferenceChange,
} from './webhook-payload.ts';
import { templateEventsOf, type TemplateEvent } from './webhook-templates.ts';

const WEBHOOK_PATH = '/webhook/meta';
/** Meta's payloads are a few kilobytes; anything near this is not from Meta. */
const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

export interface WebhookRouteOptions {
  appSecret: string | undefined;
  verifyToken: string | undefined;
  /** Must be quick (record or signal, nothing slow): Meta expects a fast 200. Throwing answers 500 so Meta resends. */
  onStatuses: (statuses: ProviderStatus[]) => Promise<void>;
  /** What users wrote (`value.messages`); as quick, and as tolerant of repeats, as onStatuses. Absent: not read. */
  onMessages?: (messages: InboundWhatsAppMessage[]) => Promise<void>;
  /** Meta's template status, quality and category changes; as quick and as tolerant of repeats. Absent: not read. */
  onTemplateEvents?: (events: TemplateEvent[]) => Promise<void>;
  /** Users stopping or resuming marketing messages (`user_preferences`); as quick and as tolerant of repeats. Absent: not read. */
  onUserPreferences?: (changes: UserPreferenceChange[]) => Promise<void>;
}

const single = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function verificationHandshake(options: WebhookRouteOptions) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const mode = single(query['hub.mode']);
    const token = single(query['hub.verify_token']);
    const challenge = single(query['hub.challenge']);
    const accepted =
      mode === 'subscribe' && options.verifyToken !== undefined && token !== undefined && safeEqualStrings(token, options.verifyToken);
    if (!accepted) {
      return reply.code(403).send({ code: 'FORBIDDEN', message: 'Webhook verification refused: wrong hub.mode or hub.verify_token' });
    }
    if (challenge === undefined) return reply.code(400).send({ code: 'BAD_REQUEST', message: 'hub.challenge is required' });
    return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
  };
}

/** The marketing stops and resumes of a payload, when the app reads them. */
function preferencesOf(options: WebhookRouteOptions, envelope: Parameters<typeof userPreferencesOf>[0], request: FastifyRequest): UserPreferenceChange[] {
  if (!options.onUserPreferences) return [];
  return userPreferencesOf(envelope, (problem, index) => request.log.warn({ index, problem }, 'webhook user preference skipped'));
}

function statusNotifications(options: WebhookRouteOptions) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const signature = single(request.headers['x-hub-signature-256']);
    if (options.appSecret === undefined) {
      return reply.code(401).send({ code: 'UNAUTHORIZED', message: 'Webhook signatures cannot be checked: no app secret is configured' });
    }
    if (!verifySignature(raw, signature, options.appSecret)) {
      return reply.code(401).send({ code: 'UNAUTHORIZED', message: 'Missing or invalid X-Hub-Signature-256' });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply.code(400).send({ code: 'BAD_REQUEST', message: 'Webhook body is not JSON' });
    }
    const parsed = parseWebhookEnvelope(json);
    if ('problem' in parsed) return reply.code(400).send({ code: 'BAD_REQUEST', message: parsed.problem });
    const statuses = statusesOf(parsed.envelope, (problem, index) => request.log.warn({ index, problem }, 'webhook status skipped'));
    const messages = options.onMessages
      ? messagesOf(parsed.envelope, (problem, index) => request.log.warn({ index, problem }, 'webhook inbound message skipped'))
      : [];
    const templateEvents = options.onTemplateEvents
      ? templateEventsOf(parsed.envelope, (problem) => request.log.warn({ problem }, 'webhook template change skipped'))
      : [];
    const preferences = preferencesOf(options, parsed.envelope, request);
    try {
      if (statuses.length > 0) await options.onStatuses(statuses);
      if (messages.length > 0) await options.onMessages!(messages);
      if (templateEvents.length > 0) await options.onTemplateEvents!(templateEvents);
      if (preferences.length > 0) await options.onUserPreferences!(preferences);
    } catch (error) {
      // Not a 200, so Meta delivers the payload again (at least once); the handlers must tolerate the repeat.
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ statuses: statuses.length, messages: messages.length }, 'webhook payload not processed: the database is unavailable; Meta resends it');
        return reply.code(503).send(DATABASE_UNAVAILABLE_BODY);
      }
      request.log.error({ err: error, statuses: statuses.length, messages: messages.length, templateEvents: templateEvents.length }, 'webhook payload could not be processed');
      return reply.code(500).send({ code: 'INTERNAL_SERVER_ERROR', message: 'Webhook could not be processed; retry later' });
    }
    return reply.code(200).send({ received: statuses.length + messages.length + templateEvents.length + preferences.length });
  };
}

/**
 * Meta's webhook at /webhook/meta. An encapsulated plugin: its own body parser keeps the raw bytes
 * (the signature covers them), while the rest of the app keeps Fastify's JSON parser.
 */
export async function registerWebhookRoutes(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    const keepBytes = (_request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: Buffer) => void) => done(null, body);
    const parserOptions = { parseAs: 'buffer' as const, bodyLimit: WEBHOOK_BODY_LIMIT_BYTES };
    scope.addContentTypeParser('application/json', parserOptions, keepBytes);
    // Any other content type is taken as bytes too, so an unsigned request is a 401 rather than a 415.
    scope.addContentTypeParser('*', parserOptions, keepBytes);

    scope.get(WEBHOOK_PATH, verificationHandshake(options));
    scope.post(WEBHOOK_PATH, { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, statusNotifications(options));
  });
}
