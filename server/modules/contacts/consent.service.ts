import type { EntityManager } from '@mikro-orm/postgresql';
import { flagsAfter, type ConsentFlags, type ConsentScope, type ConsentSource } from './consent.ts';

/** One change of a contact's consent, as every source reports it. */
export interface ConsentChange {
  contactId: string;
  /** The caller's tenant (API): another tenant's contact is then 'missing'. */
  tenantId?: string | undefined;
  scope: ConsentScope;
  optedOut: boolean;
  source: ConsentSource;
  /** When it happened: now for the API and 131050, the sender's timestamp for webhooks. */
  occurredAt: Date;
  /** The user who called the API. */
  createdBy?: string | null | undefined;
  /**
   * A webhook's change from a second before the contact's latest recorded one is stale (Meta does not keep order;
   * its timestamps are whole seconds, so a change within the same second is taken as the later one).
   */
  ignoreIfOlder?: boolean;
}

export type ConsentOutcome = 'changed' | 'unchanged' | 'stale' | 'missing';

interface LockedContact {
  tenant_id: string;
  opted_out: boolean;
  marketing_opted_out: boolean;
  newer: boolean;
}

/**
 * Applies one change inside the caller's transaction, under the contact's row lock: the flags move as
 * `flagsAfter` says, and only a real change is recorded in the history (so a redelivered webhook adds nothing).
 */
export async function applyConsentChange(tx: EntityManager, change: ConsentChange): Promise<ConsentOutcome> {
  const [contact] = await tx.execute<LockedContact[]>(
    `select c.tenant_id, c.opted_out, c.marketing_opted_out,
       exists (select 1 from contact_consent_event e where e.contact_id = c.id and e.occurred_at >= ?::timestamptz + interval '1 second') as newer
     from contact c where c.id = ? and (?::uuid is null or c.tenant_id = ?::uuid) for no key update`,
    [change.occurredAt, change.contactId, change.tenantId ?? null, change.tenantId ?? null],
  );
  if (!contact) return 'missing';
  if (change.ignoreIfOlder && contact.newer) return 'stale';
  const before: ConsentFlags = { optedOut: contact.opted_out, marketingOptedOut: contact.marketing_opted_out };
  const after = flagsAfter(before, change.scope, change.optedOut);
  if (after.optedOut === before.optedOut && after.marketingOptedOut === before.marketingOptedOut) return 'unchanged';
  await tx.execute('update contact set opted_out = ?, marketing_opted_out = ? where id = ?', [after.optedOut, after.marketingOptedOut, change.contactId], 'run');
  await tx.execute(
    `insert into contact_consent_event (id, tenant_id, contact_id, scope, opted_out, source, occurred_at, recorded_at, created_by)
     values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, now(), ?)`,
    [contact.tenant_id, change.contactId, change.scope, change.optedOut, change.source, change.occurredAt, change.createdBy ?? null],
    'run',
  );
  return 'changed';
}

/** One change in its own transaction. */
export const recordConsentChange = (em: EntityManager, change: ConsentChange): Promise<ConsentOutcome> =>
  em.transactional((tx) => applyConsentChange(tx, change));

export interface ConsentEventRow {
  scope: ConsentScope;
  opted_out: boolean;
  source: ConsentSource;
  occurred_at: Date;
}

/** A contact's consent history, oldest first; the tenant is named explicitly (raw SQL bypasses the ORM's filter). */
export const consentHistoryOf = (em: EntityManager, tenantId: string, contactId: string): Promise<ConsentEventRow[]> =>
  em.execute<ConsentEventRow[]>(
    `select scope, opted_out, source, occurred_at from contact_consent_event
     where contact_id = ? and tenant_id = ? order by occurred_at, recorded_at, id`,
    [contactId, tenantId],
  );
