// The sandbox's account side of Meta: Embedded Signup's code exchange, a WABA's numbers, the app's subscription
// to a WABA, and (a simulator control, not Meta's API) a user writing to a business number.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SandboxAccess, SandboxGrant } from './sandbox-access.ts';
import {
  inboundEnvelope,
  metaError,
  metaPage,
  newWamid,
  oauthAccessToken,
  oauthError,
  SANDBOX_DISPLAY_NUMBER,
  SANDBOX_VERIFIED_NAME,
  type SandboxIdentity,
} from './sandbox-format.ts';
import type { SignupCodeIssuer } from '../channels/channels.service.ts';
import type { WebhookDispatcher } from './sandbox-webhooks.ts';
import { safeEqualStrings } from './signature.ts';

export interface SandboxSignup {
  /** The platform app Embedded Signup's exchange must name; undefined: any id and secret. */
  app?: { appId: string; appSecret: string } | undefined;
  /** What a code yields (once): a token for one number and WABA, or undefined when the code is not one the sandbox issued. */
  redeem(code: string): Promise<SandboxGrant | undefined>;
}

/** A number as a WABA lists it. */
export interface SandboxWabaNumber {
  phoneNumberId: string;
  displayPhoneNumber?: string | undefined;
  verifiedName?: string | undefined;
}

export interface SandboxAccountOptions {
  /** The platform token: the only one that may make a user write (the simulator control). */
  accessToken: string;
  signup: SandboxSignup;
  access: SandboxAccess;
  /** The numbers a WABA has (registered ones; a signup's number is added for its token). */
  wabaNumbers(wabaId: string): Promise<SandboxWabaNumber[]>;
  onSubscribe?: ((wabaId: string) => void) | undefined;
  identityOf(phoneNumberId: string): Promise<SandboxIdentity>;
  webhooks: WebhookDispatcher;
}

const BEARER = /^Bearer (\S+)$/;
const NUMBERS_PAGE_SIZE = 25;

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
    const grant = await options.signup.redeem(code);
    if (!grant) return reply.code(400).send(oauthError(100, 36008, 'Error validating verification code. Please make sure the code is valid and unused.'));
    options.access.grant(grant);
    return reply.code(200).send(oauthAccessToken(grant.accessToken));
  });

  // GET /{version}/{waba-id}/phone_numbers: the WABA's numbers, for a token that reaches the WABA.
  scope.get('/:version/:wabaId/phone_numbers', async (request: FastifyRequest<{ Params: { wabaId: string } }>, reply: FastifyReply) => {
    const token = bearerOf(request);
    if (token === undefined) return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'Cannot parse access token'));
    const { wabaId } = request.params;
    if (!(await options.access.reachesWaba(token, wabaId))) return options.access.refuse(reply, token, wabaId);
    const numbers = await options.wabaNumbers(wabaId);
    const granted = options.access.grantOf(token);
    if (granted?.wabaId === wabaId && !numbers.some((number) => number.phoneNumberId === granted.phoneNumberId)) {
      numbers.push({ phoneNumberId: granted.phoneNumberId });
    }
    return reply.code(200).send(
      metaPage(request, numbers, NUMBERS_PAGE_SIZE, (number) => ({
        id: number.phoneNumberId,
        display_phone_number: number.displayPhoneNumber ?? SANDBOX_DISPLAY_NUMBER,
        verified_name: number.verifiedName ?? SANDBOX_VERIFIED_NAME,
        quality_rating: 'GREEN',
        code_verification_status: 'VERIFIED',
      })),
    );
  });

  // POST /{version}/{waba-id}/subscribed_apps: the platform app receives this WABA's webhooks from now on.
  scope.post('/:version/:wabaId/subscribed_apps', async (request: FastifyRequest<{ Params: { wabaId: string } }>, reply: FastifyReply) => {
    const token = bearerOf(request);
    if (token === undefined) return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'Cannot parse access token'));
    const { wabaId } = request.params;
    if (!(await options.access.reachesWaba(token, wabaId))) return options.access.refuse(reply, token, wabaId);
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


/** How long an issued code stays good (Meta's live about as long), and how many are kept at once. */
const CODE_LIFETIME_MS = 5 * 60_000;
const MAX_CODES = 1_000;

/**
 * The mounted sandbox's codes: issued only by the API's signed-in Embedded Signup (in this process), so the
 * unauthenticated exchange yields nothing to anyone else, and each token reaches the number it was issued for.
 */
export function sandboxSignupCodes(now: () => number = Date.now): SignupCodeIssuer {
  const codes = new Map<string, { wabaId: string; phoneNumberId: string; expiresAt: number }>();
  return {
    issue({ wabaId, phoneNumberId }) {
      const code = `AQS${randomBytes(32).toString('base64url')}`;
      codes.set(code, { wabaId, phoneNumberId, expiresAt: now() + CODE_LIFETIME_MS });
      while (codes.size > MAX_CODES) codes.delete(codes.keys().next().value!);
      return code;
    },
    async redeem(code) {
      const issued = codes.get(code);
      codes.delete(code);
      if (!issued || issued.expiresAt < now()) return undefined;
      return { accessToken: `EAAS${randomBytes(24).toString('base64url')}`, wabaId: issued.wabaId, phoneNumberId: issued.phoneNumberId };
    },
  };
}
