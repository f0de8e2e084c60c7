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

/** The number's next send turn is further off than a send may wait in a worker: retry after `retryAfterMs`. */
export class SendPaced extends Error {
  readonly retryAfterMs: number;
  constructor(channelKey: string, retryAfterMs: number) {
    super(`The send turn of ${channelKey} is ${retryAfterMs} ms away`);
    this.name = 'SendPaced';
    this.retryAfterMs = retryAfterMs;
  }
}

export interface SendPacing {
  platformRatePerSecond: number;
  /** The longest a send waits for its turn in the worker; a later turn is not taken (SendPaced). */
  maxWaitMs: number;
}

/**
 * The exact half of the governor: the send call's own turn, taken right before it calls Meta, and waited
 * for here. The workflow's slot has already spread the messages out, so this wait is short; it absorbs
 * the varying time between a workflow's timer and its send call, which alone would let sends bunch.
 */
export async function awaitSendTurn(em: EntityManager, messageId: string, pacing: SendPacing): Promise<void> {
  const [row] = await em.execute<{ channel_key: string; taken: boolean; wait_ms: number }[]>(
    'select * from take_send_turn(?, ?, ?)',
    [messageId, pacing.platformRatePerSecond, pacing.maxWaitMs],
  );
  if (!row) throw new Error(`take_send_turn returned no row for message ${messageId}`);
  if (!row.taken) throw new SendPaced(row.channel_key, Number(row.wait_ms));
  const waitMs = Number(row.wait_ms);
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}
