import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { raw, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';
import { findPage } from '../../db/keyset.ts';
import { AppError } from '../../shared/errors.ts';
import { Contact } from './contact.entity.ts';
import { contactSearch } from './contact-search.ts';
import { MAX_IMPORT_BATCH, validateContactItem } from './contact-item.ts';

const YIELD_EVERY = 1000;

export interface ImportResult {
  imported: number;
  skipped: number;
  invalid: { index: number; reason: string }[];
}

// One statement for the whole batch; existing (tenant, phone) pairs are left untouched and not counted.
const INSERT_BATCH = `
  with inserted as (
    insert into contact (id, tenant_id, phone, name, attributes, opted_out, created_at)
    select id, $1::uuid, phone, name, attributes, false, $2::timestamptz
      from unnest($3::uuid[], $4::text[], $5::text[], $6::jsonb[]) as batch (id, phone, name, attributes)
    on conflict (tenant_id, phone) do nothing
    returning 1
  )
  select count(*)::int as imported from inserted`;

/**
 * Imports a batch of contacts into one tenant. Each item is validated on its own (bad ones are reported
 * by index); duplicates, in the batch or against the tenant's existing contacts, are skipped.
 */
export async function importContacts(em: EntityManager, tenantId: string, items: readonly unknown[]): Promise<ImportResult> {
  if (items.length > MAX_IMPORT_BATCH) {
    throw new AppError('BAD_REQUEST', `At most ${MAX_IMPORT_BATCH.toLocaleString('en-US')} contacts per request`, { reason: 'BATCH_TOO_LARGE' });
  }
  const invalid: ImportResult['invalid'] = [];
  const seen = new Set<string>();
  const phones: string[] = [];
  const names: (string | null)[] = [];
  const attributes: string[] = [];
  let valid = 0;
  for (const [index, item] of items.entries()) {
    // Parsing phones costs ~20 µs each: let other requests in between slices of a big batch.
    if (index > 0 && index % YIELD_EVERY === 0) await yieldToEventLoop();
    const result = validateContactItem(item);
    if (!result.ok) {
      invalid.push({ index, reason: result.reason });
      continue;
    }
    valid++;
    if (seen.has(result.contact.phone)) continue;
    seen.add(result.contact.phone);
    phones.push(result.contact.phone);
    names.push(result.contact.name);
    attributes.push(JSON.stringify(result.contact.attributes));
  }
  if (phones.length === 0) return { imported: 0, skipped: valid, invalid };

  // A batch shares one timestamp, so lists order it by id: sorted ids keep the batch in import order.
  const ids = Array.from({ length: phones.length }, () => randomUUID()).sort();
  // Milliseconds, like every other Date Herald stores: the keyset cursor carries a JS Date.
  const createdAt = new Date();
  // Real bind parameters (arrays), not values spliced into the SQL text as em.execute would do.
  const result = await em.getKysely().executeQuery<{ imported: number }>(
    CompiledQuery.raw(INSERT_BATCH, [tenantId, createdAt, ids, phones, names, attributes]),
  );
  const imported = result.rows[0]?.imported ?? 0;
  return { imported, skipped: valid - imported, invalid };
}

export interface ListContactsOptions {
  limit: number;
  cursor?: string | undefined;
  search?: string | undefined;
  optedOut?: boolean | undefined;
}

/** The caller's tenant's contacts (the tenant filter scopes the query), oldest first, keyset-paged. */
export function listContacts(em: EntityManager, options: ListContactsOptions) {
  const conditions: FilterQuery<Contact>[] = [];
  const matching = contactSearch(options.search);
  if (matching) conditions.push({ [raw(matching.sql, matching.params)]: [] });
  if (options.optedOut !== undefined) conditions.push({ optedOut: options.optedOut });
  return findPage(em, Contact, conditions.length > 0 ? { $and: conditions } : {}, options);
}
