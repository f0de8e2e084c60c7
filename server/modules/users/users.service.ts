import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { emailTaken, findUserByEmail } from './emails.ts';
import { hashPassword } from './passwords.ts';
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
    throw emailTaken();
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
      throw emailTaken();
    }
    throw error;
  }
  return user;
}

/** The caller's tenant's users (the tenant filter scopes the query), oldest first. */
export function listUsers(em: EntityManager, options: PageOptions) {
  return findPage(em, User, {}, options);
}
