import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import { Tenant } from '../tenants/tenant.entity.ts';
import { User } from '../users/user.entity.ts';
import type { SigningKeys } from './keys.ts';
import { emailTaken, findUserByEmail } from '../users/emails.ts';
import { checkPassword, hashPassword } from '../users/passwords.ts';
import { issueToken, type TokenSettings } from './tokens.ts';

export interface AuthDeps {
  em: EntityManager;
  keys: SigningKeys;
  tokens: TokenSettings;
}

export interface RegisterTenantInput {
  tenantName: string;
  slug: string;
  adminEmail: string;
  adminPassword: string;
  adminName: string;
}

/** Creates the tenant and its first ADMIN in one transaction, then signs the admin in. */
export async function registerTenant(deps: AuthDeps, input: RegisterTenantInput) {
  const passwordHash = await hashPassword(input.adminPassword);
  try {
    const { tenant, user } = await deps.em.transactional(async (em) => {
      if (await em.count(Tenant, { slug: input.slug })) {
        throw new AppError('CONFLICT', `The slug "${input.slug}" is taken`, { reason: 'SLUG_TAKEN' });
      }
      if (await findUserByEmail(em, input.adminEmail)) throw emailTaken();
      const tenant = em.create(Tenant, { id: randomUUID(), name: input.tenantName, slug: input.slug, balance: 0n });
      // Ids are plain columns (no ORM relations), so the tenant row must exist before its admin's.
      await em.flush();
      const user = em.create(User, {
        id: randomUUID(),
        tenantId: tenant.id,
        email: input.adminEmail,
        passwordHash,
        name: input.adminName,
        role: 'ADMIN',
      });
      return { tenant, user };
    });
    const token = await issueToken(deps.keys, deps.tokens, { userId: user.id, tenantId: tenant.id, role: 'ADMIN' });
    return { token, tenant, user };
  } catch (error) {
    // Two sign-ups racing for one slug or e-mail: the unique index decides, the loser gets the same 409.
    if (error instanceof UniqueConstraintViolationException) {
      throw new AppError('CONFLICT', 'That slug or e-mail address is already registered', { reason: 'ALREADY_REGISTERED' });
    }
    throw error;
  }
}

/** Unknown e-mail and wrong password give the same 401, after the same amount of hashing work. */
export async function login(deps: AuthDeps, input: { email: string; password: string }) {
  const user = await findUserByEmail(deps.em, input.email);
  const ok = await checkPassword(user?.passwordHash, input.password);
  if (!user || !ok) throw new AppError('UNAUTHORIZED', 'Invalid e-mail or password', { reason: 'INVALID_CREDENTIALS' });
  const token = await issueToken(deps.keys, deps.tokens, {
    userId: user.id,
    tenantId: user.tenantId ?? undefined,
    role: user.role,
  });
  return { token, user };
}

export type SuperAdminOutcome = 'created' | 'updated' | 'held-by-tenant-user';

/**
 * Creates or updates the platform operator from SUPER_ADMIN_EMAIL/SUPER_ADMIN_PASSWORD at start. Each step
 * is one statement, so replicas starting together cannot collide: the unique e-mail index lets one insert
 * win and the others update. An address a tenant's user already holds is reported, never overwritten.
 */
export async function ensureSuperAdmin(em: SqlEntityManager, email: string, password: string): Promise<SuperAdminOutcome> {
  const normalized = email.trim().toLowerCase();
  const passwordHash = await hashPassword(password);
  const inserted = await em.execute<{ id: string }[]>(
    `insert into app_user (id, tenant_id, email, password_hash, name, role)
     values (?, null, ?, ?, 'Platform operator', 'SUPER_ADMIN')
     on conflict ((lower(email))) do nothing returning id`,
    [randomUUID(), normalized, passwordHash],
  );
  if (inserted.length > 0) return 'created';
  const updated = await em.execute<{ id: string }[]>(
    `update app_user set password_hash = ? where lower(email) = ? and role = 'SUPER_ADMIN' returning id`,
    [passwordHash, normalized],
  );
  return updated.length > 0 ? 'updated' : 'held-by-tenant-user';
}
