import { SignJWT, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { ROLES, type Role } from '../users/user.entity.ts';
import { JWT_ALGORITHM, type SigningKeys } from './keys.ts';

export interface TokenSettings {
  issuer: string;
  audience: string;
  /** jose duration, e.g. "1h". */
  ttl: string;
}

/** Who is calling: the verified claims of a token. `tenantId` is absent for SUPER_ADMIN. */
export interface Principal {
  userId: string;
  tenantId: string | undefined;
  role: Role;
}

const claims = z.object({
  sub: z.uuid(),
  tid: z.uuid().optional(),
  role: z.enum(ROLES),
});

export async function issueToken(keys: SigningKeys, settings: TokenSettings, principal: Principal): Promise<string> {
  return new SignJWT({ role: principal.role, ...(principal.tenantId ? { tid: principal.tenantId } : {}) })
    .setProtectedHeader({ alg: JWT_ALGORITHM, kid: keys.kid, typ: 'JWT' })
    .setSubject(principal.userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(settings.ttl)
    .sign(keys.privateKey);
}

/**
 * Verifies signature, algorithm (RS256 only: `none` and HS256-with-the-public-key are refused),
 * issuer, audience and expiry. Any failure is the same 401; the reason is kept for the logs only.
 */
export async function verifyToken(keys: SigningKeys, settings: TokenSettings, token: string): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      algorithms: [JWT_ALGORITHM],
      issuer: settings.issuer,
      audience: settings.audience,
      requiredClaims: ['sub', 'iat', 'exp'],
    });
    const parsed = claims.safeParse(payload);
    if (!parsed.success) throw new AppError('UNAUTHORIZED', 'Invalid token', { reason: 'INVALID_CLAIMS' });
    const { sub, tid, role } = parsed.data;
    if ((role === 'SUPER_ADMIN') !== (tid === undefined)) {
      throw new AppError('UNAUTHORIZED', 'Invalid token', { reason: 'INVALID_CLAIMS' });
    }
    return { userId: sub, tenantId: tid, role };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const expired = error instanceof errors.JWTExpired;
    throw new AppError('UNAUTHORIZED', expired ? 'Token expired' : 'Invalid token', {
      reason: expired ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN',
      cause: error,
    });
  }
}
