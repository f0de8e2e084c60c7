// The sandbox's account side of Meta: Embedded Signup's code exchange, the app's subscription to a WABA,
// and (a simulator control, not Meta's API) a user writing to a business number.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { inboundEnvelope, metaError, newWamid, oauthAccessToken, oauthError, type SandboxIdentity } from './sandbox-format.ts';
import type { WebhookDispatcher } from './sandbox-webhooks.ts';
import { safeEqualStrings } from './signature.ts';

export interface SandboxSignup {
  /** The platform app Embedded Signup's exchange must name; undefined: any id and secret. */
  app?: { appId: string; appSecret: string } | undefined;
  /** The business token a code yields, or undefined when the code is not one the sandbox accepts. */
  tokenForCode(code: string): Promise<string | undefined>;
}

export interface SandboxAccountOptions {
  /** The platform token: the only one that may make a user write (the simulator control). */
  accessToken: string;
  signup: SandboxSignup;
  /** Tokens handed out by the exchange: they may subscribe the app and reach numbers not registered yet. */
  issued: { add(token: string): void; has(token: string): boolean };
  /** Whether a known number's token belongs to this WABA (a registered number's token may subscribe its WABA). */
  wabaToken?: ((wabaId: string, token: string) => Promise<boolean>) | undefined;
  onSubscribe?: ((wabaId: string) => void) | undefined;
  identityOf(phoneNumberId: string): Promise<SandboxIdentity>;
  webhooks: WebhookDispatcher;
}

const BEARER = /^Bearer (\S+)$/;
const single = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const bearerOf = (request: FastifyRequest) => BEARER.exec(request.headers.authorization ?? '')?.[1];

const inboundSchema = z.strictObject({
  phoneNumberId: z.string().regex(/^\d{1,64}$/),
  from: z.string().regex(/^\+?\d{7,15}$/),
  text: z.string().min(1).max(4096),
  quotedWamid: z.string().min(1).max(128).optional(),
});

/** Registers the routes under the sandbox's prefix (the caller's scope), each checking its own credentials. */
export function registerSandboxAccounts(scope: FastifyInstance, options: SandboxAccountOptions): void {
  // GET /{version}/oauth/access_token?client_id=&client_secret=&code=: Embedded Signup's code → business token.
  scope.get('/:version/oauth/access_token', async (request: FastifyRequest, reply: FastifyReply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const [clientId, clientSecret, code] = [single(query.client_id), single(query.client_secret), single(query.code)];
    if (!clientId || !clientSecret || !code) {
      return reply.code(400).send(oauthError(100, undefined, 'Missing client_id, client_secret or code parameter.'));
    }
    const app = options.signup.app;
    if (app && (!safeEqualStrings(clientId, app.appId) || !safeEqualStrings(clientSecret, app.appSecret))) {
      return reply.code(400).send(oauthError(1, undefined, 'Error validating client secret.'));
    }
    const token = await options.signup.tokenForCode(code);
    if (!token) return reply.code(400).send(oauthError(100, 36008, 'Error validating verification code. Please make sure the code is valid and unused.'));
    options.issued.add(token);
    return reply.code(200).send(oauthAccessToken(token));
  });

  // POST /{version}/{waba-id}/subscribed_apps: the platform app receives this WABA's webhooks from now on.
  scope.post('/:version/:wabaId/subscribed_apps', async (request: FastifyRequest<{ Params: { wabaId: string } }>, reply: FastifyReply) => {
    const token = bearerOf(request);
    if (token === undefined) return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'Cannot parse access token'));
    const { wabaId } = request.params;
    const known =
      options.issued.has(token) || safeEqualStrings(token, options.accessToken) || (await options.wabaToken?.(wabaId, token)) === true;
    if (!known) return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'The access token could not be decrypted'));
    options.onSubscribe?.(wabaId);
    return reply.code(200).send({ success: true });
  });

  // Not Meta's API: makes a user write to a business number, delivered as Meta's signed `messages` webhook.
  scope.post('/simulate/inbound', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerOf(request);
    if (token === undefined || !safeEqualStrings(token, options.accessToken)) {
      return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'Only the platform token may simulate users'));
    }
    const parsed = inboundSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(metaError(100, 'Invalid parameter', 'expected {phoneNumberId, from, text, quotedWamid?}'));
    const { phoneNumberId, from, text, quotedWamid } = parsed.data;
    const identity = await options.identityOf(phoneNumberId);
    const id = newWamid();
    options.webhooks.schedule(0, () => inboundEnvelope(identity, { id, from: from.replace(/^\+/, ''), text, quotedWamid }));
    return reply.code(200).send({ id, phoneNumberId });
  });
}

/** A set that forgets its oldest entries beyond `max` (the sandbox keeps issued tokens in memory). */
export function boundedSet(max: number) {
  const items = new Set<string>();
  return {
    add(item: string) {
      items.delete(item);
      items.add(item);
      while (items.size > max) items.delete(items.values().next().value!);
    },
    has: (item: string) => items.has(item),
  };
}

/** The mounted sandbox's exchange: every code yields a fresh token, which becomes the new channel's token. */
export const freshTokenForAnyCode: SandboxSignup['tokenForCode'] = async () => `EAAS${randomBytes(24).toString('base64url')}`;
