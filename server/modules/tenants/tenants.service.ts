import type { EntityManager } from '@mikro-orm/core';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../../shared/schemas.ts';
import { Tenant } from './tenant.entity.ts';

/** Every tenant with its balance, oldest first: the platform operator's view (tenants carry no tenant filter). */
export async function listTenants(em: EntityManager, options: { limit: number; cursor?: string | undefined }) {
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  if (options.cursor && !after) throw new AppError('BAD_REQUEST', 'Invalid cursor', { reason: 'INVALID_CURSOR' });
  const rows = await em.find(
    Tenant,
    after ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, id: { $gt: after.id } }] } : {},
    { orderBy: { createdAt: 'asc', id: 'asc' }, limit: options.limit + 1 },
  );
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
