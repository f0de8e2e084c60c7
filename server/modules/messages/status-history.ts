import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { statusEvents } from '../../metrics.ts';

// A message's status history: what happened to it and when. Scheduling, dispatch, the send, settlement and
// the webhook all append here; the unique index on provider statuses records each of Meta's reports once.

export type EventSource = 'API' | 'WORKFLOW' | 'PROVIDER';

export interface EventOptions {
  occurredAt?: Date;
  errorCode?: number | undefined;
  detail?: string | undefined;
  /** When Herald learned of it (default: now); a status kept while its wamid was unknown keeps its arrival time. */
  recordedAt?: Date | undefined;
}

/** Appends one event; false when it was already recorded (a duplicate provider status). */
export async function recordEvent(
  em: EntityManager,
  messageId: string,
  status: string,
  source: EventSource,
  options: EventOptions = {},
): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>(
    `insert into message_status_event (id, message_id, status, occurred_at, source, provider_error_code, detail, recorded_at)
     values (?, ?, ?, ?, ?, ?, ?, coalesce(?::timestamptz, now())) on conflict do nothing returning id`,
    [randomUUID(), messageId, status, options.occurredAt ?? new Date(), source, options.errorCode ?? null, options.detail ?? null, options.recordedAt ?? null],
  );
  if (rows.length > 0) statusEvents.inc({ status, source });
  return rows.length > 0;
}
