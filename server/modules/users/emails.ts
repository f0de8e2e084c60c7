import type { EntityManager } from '@mikro-orm/core';
import { TENANT_FILTER } from '../../db/tenant-scope.ts';
import { AppError } from '../../shared/errors.ts';
import { User } from './user.entity.ts';

// E-mail addresses are unique across Herald (tenants and the operator alike): the lookup and the refusals.

/** Sign-in and uniqueness look across tenants by e-mail: the one place that lifts the tenant filter. */
const acrossTenants = { filters: { [TENANT_FILTER]: false } };

export const emailTaken = () => new AppError('CONFLICT', 'That e-mail address is already registered', { reason: 'EMAIL_TAKEN' });

export const findUserByEmail = (em: EntityManager, email: string) => em.findOne(User, { email: email.toLowerCase() }, acrossTenants);

/**
 * The configured operator's e-mail is reserved: a tenant that registers it first would otherwise hold
 * the operator's address. Refused with the same 409 as any taken address.
 */
export function refuseOperatorEmail(operatorEmail: string | undefined, email: string): void {
  if (operatorEmail && operatorEmail.trim().toLowerCase() === email.trim().toLowerCase()) throw emailTaken();
}
