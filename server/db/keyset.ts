import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/core';
import { AppError } from '../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../shared/schemas.ts';

export interface PageOptions {
  limit: number;
  cursor?: string | undefined;
}

/**
 * Keyset pagination over (createdAt, id), oldest first — the one implementation the lists share.
 * Stable while rows are added: a page never repeats or skips a row. The caller's EntityManager
 * brings its tenant filter, so pages are tenant-scoped like every other query.
 */
export async function findPage<T extends { createdAt: Date; id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: Record<string, unknown>,
  options: PageOptions,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  if (options.cursor && !after) throw new AppError('BAD_REQUEST', 'Invalid cursor', { reason: 'INVALID_CURSOR' });
  const keyset = after
    ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, id: { $gt: after.id } }] }
    : {};
  const rows = (await em.find(entity, { ...where, ...keyset } as FilterQuery<T>, {
    orderBy: { createdAt: 'asc', id: 'asc' } as never,
    limit: options.limit + 1,
  })) as T[];
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
