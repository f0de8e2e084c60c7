import { z } from 'zod';
import { isSaneDate, text } from './storable.ts';

/** Timestamps leave Herald as UTC ISO 8601 strings. */
export const isoTimestamp = z.iso.datetime().meta({ example: '2026-11-26T09:30:00.000Z' });

const uuidSchema = z.uuid();

/** Pagination input shared by every list: `limit` (1–100, default 50) and an opaque `cursor`. */
export const pageInput = {
  limit: z.coerce.number().int().min(1).max(100).default(50).meta({ description: 'Page size, 1 to 100' }),
  cursor: text().max(200).optional().meta({ description: 'The `nextCursor` of the previous page' }),
};

/** The shape of every list response. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** Opaque keyset cursor over (createdAt, id): stable while rows are added. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [when, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!when || !id || !uuidSchema.safeParse(id).success) return undefined;
  const createdAt = new Date(when);
  // A tampered date JavaScript accepts may still be out of PostgreSQL's range.
  return isSaneDate(createdAt) ? { createdAt, id } : undefined;
}

/**
 * Body fields the REST bridge must not coerce. trpc-to-openapi sets `coerce` on every bare z.boolean() and
 * z.number() of an input, bodies included (so `{}` became `true`); wrapped in a preprocess they keep JSON's types.
 */
export const jsonBoolean = () => z.preprocess((value) => value, z.boolean());
export const jsonInteger = (min: number, max: number) =>
  z.preprocess((value) => value, z.number().int('must be a whole number').min(min).max(max));
