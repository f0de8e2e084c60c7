import type { EntityManager } from '@mikro-orm/postgresql';
import type { StatusPricing } from '../whatsapp/types.ts';
import { storePricing } from './pricing-evidence.ts';
import type { ReportedStatus } from './status-rules.ts';
import { applyStatusReport, type StatusReport } from './status-report.ts';

// Statuses that reach the webhook before the send has stored their wamid ("orphans"): the webhook keeps
// them, and whoever sees both the orphan and the stored wamid drains them into the message.
// Both sides write first and look only after their write committed, so whichever comes second sees the other's write.

/** How long an orphan is kept: Meta stops retrying a webhook after about 7 days. */
const ORPHAN_MAX_AGE_MS = 7 * 24 * 3600_000;

interface OrphanRow {
  status: ReportedStatus;
  occurred_at: Date;
  provider_error_code: number | null;
  detail: string | null;
  received_at: Date;
  pricing: StatusPricing | null;
}

/** What a kept status carries beyond the status itself. */
export interface OrphanExtras {
  /** Meta's `biz_opaque_callback_data`, which names the message when the send's answer was lost. */
  callbackData?: string | undefined;
  /** Meta's `pricing`, applied to the message with the status. */
  pricing?: StatusPricing | undefined;
}

/** Keeps a status whose wamid is unknown (committed on its own); a resent one is kept once. */
export async function keepOrphan(em: EntityManager, wamid: string, phoneNumberId: string, report: StatusReport, extras: OrphanExtras = {}): Promise<void> {
  await em.execute(
    `insert into provider_status_orphan (wamid, status, occurred_at, provider_error_code, detail, phone_number_id, callback_data, pricing)
     values (?, ?, ?, ?, ?, ?, ?, ?::jsonb) on conflict do nothing`,
    [
      wamid,
      report.status,
      report.occurredAt,
      report.errorCode ?? null,
      report.detail?.slice(0, 500) ?? null,
      phoneNumberId,
      extras.callbackData ?? null,
      extras.pricing ? JSON.stringify(extras.pricing) : null,
    ],
    'run',
  );
}

/**
 * The wamid that Meta's statuses tie to `callbackData` from `phoneNumberId`, if any arrived: proof that an
 * earlier send of that message was accepted although its answer never reached the sender.
 */
export async function wamidByCallbackData(em: EntityManager, callbackData: string, phoneNumberId: string): Promise<string | undefined> {
  const [row] = await em.execute<{ wamid: string }[]>(
    `select wamid from provider_status_orphan where callback_data = ? and phone_number_id = ? order by received_at limit 1`,
    [callbackData, phoneNumberId],
  );
  return row?.wamid;
}

/**
 * Applies the kept statuses of `wamid` to its message, in the order they arrived, through the webhook's
 * own path; returns those newly applied. Call it only after the wamid's storing has committed.
 */
export async function drainOrphans(em: EntityManager, wamid: string, messageId: string): Promise<StatusReport[]> {
  // The common case (no orphan) costs one indexed read outside any transaction.
  const [any] = await em.execute<{ found: boolean }[]>('select exists (select 1 from provider_status_orphan where wamid = ?) as found', [wamid]);
  if (!any?.found) return [];
  return em.transactional(async (tx) => {
    // Deleted and applied in one transaction: a crash in between leaves the orphans for the next drainer.
    // Only statuses from the number the message left from apply; others stay until purged.
    const rows = await tx.execute<OrphanRow[]>(
      `delete from provider_status_orphan o using message m
       where o.wamid = ? and m.id = ?
         and (o.phone_number_id is null or m.from_phone_number_id is null or o.phone_number_id = m.from_phone_number_id)
       returning o.status, o.occurred_at, o.provider_error_code, o.detail, o.received_at, o.pricing`,
      [wamid, messageId],
    );
    rows.sort((a, b) => new Date(a.received_at).getTime() - new Date(b.received_at).getTime());
    const applied: StatusReport[] = [];
    for (const row of rows) {
      const report: StatusReport = {
        status: row.status,
        occurredAt: new Date(row.occurred_at),
        errorCode: row.provider_error_code ?? undefined,
        detail: row.detail ?? undefined,
        receivedAt: new Date(row.received_at),
      };
      if ((await applyStatusReport(tx, messageId, report)) !== 'duplicate') applied.push(report);
      // The settlement that follows a drain (the workflow's, as statuses were waiting) reads it.
      if (row.pricing) await storePricing(tx, messageId, row.pricing);
    }
    return applied;
  });
}

/** Deletes orphans older than `maxAgeMs` (wamids of other systems sharing the number never match). */
export async function purgeStaleOrphans(em: EntityManager, maxAgeMs = ORPHAN_MAX_AGE_MS): Promise<number> {
  const purged = await em.execute<{ wamid: string }[]>(
    `delete from provider_status_orphan where received_at < clock_timestamp() - ? * interval '1 millisecond' returning wamid`,
    [maxAgeMs],
  );
  return purged.length;
}
