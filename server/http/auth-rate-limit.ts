import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';

const WINDOW_MS = 60_000;
const REST_AUTH_PATHS = new Set(['/auth/login', '/auth/register-tenant']);
const TRPC_AUTH_PROCEDURES = ['auth.login', 'auth.registerTenant'];

/** Is this a sign-in or sign-up call, over REST or tRPC (batched or not)? */
function isAuthCall(request: FastifyRequest): boolean {
  if (request.method !== 'POST') return false;
  const path = request.url.split('?')[0] ?? '';
  if (REST_AUTH_PATHS.has(path)) return true;
  if (!path.startsWith('/trpc/')) return false;
  const procedures = decodeURIComponent(path.slice('/trpc/'.length)).split(',');
  return procedures.some((name) => TRPC_AUTH_PROCEDURES.includes(name));
}

/** The e-mail a sign-in names, from a REST body, a tRPC body or a tRPC batch (`{"0": {...}}`). */
function emailOf(body: unknown): string | undefined {
  if (typeof body === 'string') {
    // tRPC's adapter takes its body as text and parses it itself.
    try {
      return emailOf(JSON.parse(body));
    } catch {
      return undefined;
    }
  }
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const direct = record.email ?? record.adminEmail;
  if (typeof direct === 'string') return direct.trim().toLowerCase();
  for (const value of Object.values(record)) {
    const nested = emailOf(value && typeof value === 'object' && 'json' in value ? (value as { json: unknown }).json : value);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * Sign-in and sign-up are limited per client address and per e-mail (`AUTH_RATE_LIMIT_PER_IP`,
 * `AUTH_RATE_LIMIT_PER_EMAIL` per minute), on both REST and tRPC, answering 429 with Retry-After.
 */
export async function registerAuthRateLimit(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(rateLimit, { global: false });
  const perIp = app.createRateLimit({
    max: config.AUTH_RATE_LIMIT_PER_IP,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => `auth-ip:${request.ip}`,
  });
  const perEmail = app.createRateLimit({
    max: config.AUTH_RATE_LIMIT_PER_EMAIL,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => `auth-email:${emailOf(request.body) ?? ''}`,
  });

  app.addHook('preHandler', async (request, reply) => {
    if (!isAuthCall(request)) return;
    const limiters = emailOf(request.body) ? [perIp, perEmail] : [perIp];
    for (const limiter of limiters) {
      const limit = await limiter(request);
      if (!limit.isAllowed && limit.isExceeded) {
        reply.header('retry-after', String(limit.ttlInSeconds));
        return reply.code(429).send({
          code: 'TOO_MANY_REQUESTS',
          message: `Too many sign-in attempts; retry in ${limit.ttlInSeconds} s`,
        });
      }
    }
  });
}
