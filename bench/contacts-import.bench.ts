import { randomUUID } from 'node:crypto';
import type { Orm } from '../server/db/orm.ts';
import { validateContactItem } from '../server/modules/contacts/contact-item.ts';
import { importContacts } from '../server/modules/contacts/contacts.service.ts';
import { Tenant } from '../server/modules/tenants/tenant.entity.ts';

export interface ImportBenchOptions {
  contacts: number;
  rounds: number;
}

export interface ImportBenchResult {
  contacts: number;
  roundsMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Validation and normalisation alone (no database), for one batch: where the time goes. */
  validationMs: number;
}

/** The body a client would send: distinct valid phones in mixed spellings, names and attributes. */
export function contactBatch(size: number): unknown[] {
  return Array.from({ length: size }, (_, i) => {
    const digits = String(i).padStart(7, '0');
    const phone = i % 3 === 0 ? `+1555${digits}` : i % 3 === 1 ? `+1 555-${digits.slice(0, 3)}-${digits.slice(3)}` : `001555${digits}`;
    return { phone, name: `Contact ${i}`, attributes: { city: i % 2 ? 'NY' : 'Boston', plan: 'gold', customerId: `C-${i}` } };
  });
}

async function freshTenant(orm: Orm): Promise<string> {
  const em = orm.em.fork();
  const id = randomUUID();
  em.create(Tenant, { id, name: 'Bench tenant', slug: `bench-${id.slice(0, 8)}` });
  await em.flush();
  return id;
}

async function timedImport(orm: Orm, batch: readonly unknown[]): Promise<number> {
  const tenantId = await freshTenant(orm);
  const started = performance.now();
  const result = await importContacts(orm.em.fork(), tenantId, batch);
  const elapsed = performance.now() - started;
  if (result.imported !== batch.length || result.invalid.length > 0) {
    throw new Error(`expected ${batch.length} imported, got ${JSON.stringify({ ...result, invalid: result.invalid.slice(0, 3) })}`);
  }
  return elapsed;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Times `importContacts` (what `POST /contacts/import` calls) into a fresh tenant per round, after a warm-up. */
export async function benchContactsImport(orm: Orm, options: ImportBenchOptions): Promise<ImportBenchResult> {
  const batch = contactBatch(options.contacts);
  await timedImport(orm, batch);
  const roundsMs: number[] = [];
  for (let round = 0; round < options.rounds; round++) roundsMs.push(await timedImport(orm, batch));

  const started = performance.now();
  for (const item of batch) validateContactItem(item);
  const validationMs = performance.now() - started;

  return {
    contacts: options.contacts,
    roundsMs,
    medianMs: median(roundsMs),
    minMs: Math.min(...roundsMs),
    maxMs: Math.max(...roundsMs),
    validationMs,
  };
}
