import type { EntityManager } from '@mikro-orm/postgresql';
import type { StatusPricing } from '../whatsapp/types.ts';

// Meta's pricing kept on the message; billable false sticks (once Meta says it will not charge, it does not).
// The same pricing again (Meta repeats it on each status) writes nothing.
const STORE_PRICING = `
  update message set provider_pricing = ?::jsonb, provider_billable = coalesce(provider_billable, true) and ?, updated_at = now()
  where id = ? and provider_pricing is distinct from ?::jsonb`;

/** Stores Meta's pricing of a message as the evidence a refund is decided on (settlement reads it). */
export async function storePricing(em: EntityManager, messageId: string, pricing: StatusPricing): Promise<void> {
  const json = JSON.stringify(pricing);
  await em.execute(STORE_PRICING, [json, pricing.billable, messageId, json], 'run');
}
