import type { EntityManager } from '@mikro-orm/postgresql';

/** A send slot of the message's number: when it may leave, and how long that is from now (database clock). */
export interface SendSlot {
  /** The channel's id, or 'platform' for the number of WHATSAPP_*. */
  channelKey: string;
  ratePerSecond: number;
  /** ISO 8601. */
  slotAt: string;
  waitMs: number;
}

/**
 * Reserves the next send slot of the message's number (the governor; see the send_pace migration).
 * Called once per message before its debit; not idempotent: a retried reservation takes a later slot,
 * which only leaves a gap, never a burst.
 */
export async function reserveSendSlot(em: EntityManager, messageId: string, platformRatePerSecond: number): Promise<SendSlot> {
  const [row] = await em.execute<{ channel_key: string; rate_per_second: number; slot_at: Date; wait_ms: number }[]>(
    'select * from reserve_send_slot(?, ?)',
    [messageId, platformRatePerSecond],
  );
  if (!row) throw new Error(`reserve_send_slot returned no row for message ${messageId}`);
  return {
    channelKey: row.channel_key,
    ratePerSecond: Number(row.rate_per_second),
    slotAt: new Date(row.slot_at).toISOString(),
    waitMs: Number(row.wait_ms),
  };
}
