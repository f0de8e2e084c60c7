import type { EntityManager } from '@mikro-orm/core';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { Tenant } from './tenant.entity.ts';

/** Every tenant with its balance, oldest first: the platform operator's view (tenants carry no tenant filter). */
export function listTenants(em: EntityManager, options: PageOptions) {
  return findPage(em, Tenant, {}, options);
}
