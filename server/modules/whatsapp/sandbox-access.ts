// Which simulator credential reaches which number and WABA: the one rule every sandbox route asks, as Meta
// scopes a token to the business assets it was granted for.
import type { FastifyReply } from 'fastify';
import { metaError } from './sandbox-format.ts';
import { safeEqualStrings } from './signature.ts';

/** What an Embedded Signup code yields: a business token that reaches this number and this WABA only. */
export interface SandboxGrant {
  accessToken: string;
  phoneNumberId: string;
  wabaId: string;
}

export interface SandboxAccessOptions {
  /** The platform token. */
  accessToken: string;
  /** The platform number and its WABA: the platform token reaches these only; unset, it reaches any number or WABA. */
  platform?: { phoneNumberId?: string | undefined; wabaId?: string | undefined } | undefined;
  /** A registered number's token (it then takes that token only), or undefined for a number not registered. */
  numberToken?: ((phoneNumberId: string) => Promise<string | undefined>) | undefined;
  /** Whether a registered number's token belongs to this WABA. */
  wabaToken?: ((wabaId: string, token: string) => Promise<boolean>) | undefined;
  /** Whether the token is one the simulator knows at all (a known token out of its reach is Meta's 100, not 190). */
  knownToken?: ((token: string) => Promise<boolean>) | undefined;
}

export interface SandboxAccess {
  /** Remembers the token a code yielded, bound to its grant (the oldest are forgotten beyond a bound). */
  grant(grant: SandboxGrant): void;
  /** The grant of a token the exchange handed out, if it is one. */
  grantOf(token: string): SandboxGrant | undefined;
  isPlatform(token: string): boolean;
  reachesNumber(token: string, phoneNumberId: string): Promise<boolean>;
  reachesWaba(token: string, wabaId: string): Promise<boolean>;
  /** Meta's refusal for a token that does not reach `objectId`: 190 for a token it does not know, else 100 (no permission). */
  refuse(reply: FastifyReply, token: string, objectId: string): Promise<FastifyReply>;
}

/** How many tokens from Embedded Signup's exchange the sandbox remembers (the oldest is forgotten first). */
const MAX_GRANTS = 10_000;

export function sandboxAccess(options: SandboxAccessOptions): SandboxAccess {
  // Map order is insertion order: the first key is the oldest grant.
  const grants = new Map<string, SandboxGrant>();
  const isPlatform = (token: string) => safeEqualStrings(token, options.accessToken);
  const grantOf = (token: string) => grants.get(token);
  const platformReaches = (own: string | undefined, id: string) => own === undefined || own === id;
  return {
    grant(grant) {
      grants.delete(grant.accessToken);
      grants.set(grant.accessToken, grant);
      while (grants.size > MAX_GRANTS) grants.delete(grants.keys().next().value!);
    },
    grantOf,
    isPlatform,
    async reachesNumber(token, phoneNumberId) {
      const own = await options.numberToken?.(phoneNumberId);
      if (own) return safeEqualStrings(token, own);
      if (grantOf(token)?.phoneNumberId === phoneNumberId) return true;
      return isPlatform(token) && platformReaches(options.platform?.phoneNumberId, phoneNumberId);
    },
    async reachesWaba(token, wabaId) {
      if (isPlatform(token)) return platformReaches(options.platform?.wabaId, wabaId);
      if (grantOf(token)?.wabaId === wabaId) return true;
      return (await options.wabaToken?.(wabaId, token)) === true;
    },
    async refuse(reply, token, objectId) {
      const known = isPlatform(token) || grantOf(token) !== undefined || (await options.knownToken?.(token)) === true;
      if (!known) return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'The access token could not be decrypted'));
      return reply
        .code(400)
        .send(
          metaError(
            100,
            'Unsupported request',
            `Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
            'GraphMethodException',
          ),
        );
    },
  };
}
