import type { Context } from '../../trpc/context.ts';
import { enforceLimits, type Limit } from '../../trpc/rate-limit.ts';

/**
 * Sign-in and sign-up attempts per minute, per client address and per e-mail (`AUTH_RATE_LIMIT_PER_IP`,
 * `AUTH_RATE_LIMIT_PER_EMAIL`), counted on the procedures themselves: whatever path, letter case or batch
 * reached them, and with the e-mail as the validated input spells it.
 */
export function limitAuthAttempts(ctx: Context, email: string): void {
  const { AUTH_RATE_LIMIT_PER_IP, AUTH_RATE_LIMIT_PER_EMAIL } = ctx.services.config;
  const limits: Limit[] = [{ key: `auth:email:${email}`, max: AUTH_RATE_LIMIT_PER_EMAIL }];
  if (ctx.clientIp !== undefined) limits.push({ key: `auth:ip:${ctx.clientIp}`, max: AUTH_RATE_LIMIT_PER_IP });
  enforceLimits(ctx, limits, 'sign-in attempts');
}
