import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../../shared/schemas.ts';
import { findUserByEmail } from '../auth/auth.service.ts';
import { hashPassword } from '../auth/passwords.ts';
import { User } from './user.entity.ts';

export interface NewUser {
  email: string;
  password: string;
  name: string;
  role: 'ADMIN' | 'SUB_ADMIN';
}

/** An ADMIN adds a colleague to their own tenant. E-mail addresses are unique across Herald. */
export async function createUser(em: EntityManager, tenantId: string, input: NewUser) {
  if (await findUserByEmail(em, input.email)) {
    throw new AppError('CONFLICT', 'That e-mail address is already registered', { reason: 'EMAIL_TAKEN' });
  }
  const user = em.create(User, {
    id: randomUUID(),
    tenantId,
    email: input.email,
    passwordHash: await hashPassword(input.password),
    name: input.name,
    role: input.role,
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw new AppError('CONFLICT', 'That e-mail address is already registered', { reason: 'EMAIL_TAKEN' });
    }
    throw error;
  }
  return user;
}

/** The caller's tenant's users (the tenant filter scopes the query), oldest first. */
export async function listUsers(em: EntityManager, options: { limit: number; cursor?: string | undefined }) {
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  if (options.cursor && !after) throw new AppError('BAD_REQUEST', 'Invalid cursor', { reason: 'INVALID_CURSOR' });
  const rows = await em.find(
    User,
    after ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, id: { $gt: after.id } }] } : {},
    { orderBy: { createdAt: 'asc', id: 'asc' }, limit: options.limit + 1 },
  );
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
