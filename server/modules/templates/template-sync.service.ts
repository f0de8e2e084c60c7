// Keeping templates as Meta sees them: Meta's template webhooks, and the periodic sync that repairs what a lost one left stale.
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { TokenBox } from '../channels/token-box.ts';
import { safeEqualStrings } from '../whatsapp/signature.ts';
import { listTemplates } from '../whatsapp/graph-templates.ts';
import type { TemplateEvent } from '../whatsapp/webhook-templates.ts';
import { categoryFromMeta, qualityFromMeta, rejectedReasonFor, statusFromMeta } from './meta-state.ts';
import type { TemplateMetaSettings } from './template-meta.service.ts';

type Changes = { status?: string; rejected_reason?: string | null; quality?: string; category?: string };

/** Writes the changes to every template Meta knows by this id under this WABA (any tenant's: the WABA is the scope). */
async function updateTemplates(em: EntityManager, wabaId: string, metaTemplateId: string, changes: Changes): Promise<number> {
  const columns = Object.keys(changes);
  if (columns.length === 0) return 0;
  const assignments = columns.map((column) => `${column} = ?`).join(', ');
  const rows = await em
    .getConnection()
    .execute<{ id: string }[]>(`update template set ${assignments}, meta_synced_at = now() where waba_id = ? and meta_template_id = ? returning id`, [
      ...Object.values(changes),
      wabaId,
      metaTemplateId,
    ]);
  return rows.length;
}

function changesOf(event: TemplateEvent): Changes {
  if (event.kind === 'status') {
    const status = statusFromMeta(event.value);
    return status ? { status, rejected_reason: rejectedReasonFor(status, event.reason) } : {};
  }
  if (event.kind === 'quality') {
    const quality = qualityFromMeta(event.value);
    return quality ? { quality } : {};
  }
  const category = categoryFromMeta(event.value);
  return category ? { category } : {};
}

/**
 * Meta's template webhooks, applied in payload order. A template is matched by Meta's id within the WABA the
 * webhook names, so a webhook about another WABA changes nothing; an unknown template is no error (Meta would resend).
 */
export async function applyTemplateEvents(em: EntityManager, events: TemplateEvent[], logger: Pick<Logger, 'info'>): Promise<void> {
  for (const event of events) {
    const changes = changesOf(event);
    const updated = await updateTemplates(em, event.wabaId, event.metaTemplateId, changes);
    logger.info({ ...event, updated }, 'template webhook applied');
  }
}

/** The WABAs holding templates whose state comes from Meta: what the sync visits. */
export async function wabasWithTemplates(em: EntityManager): Promise<string[]> {
  const rows = await em.getConnection().execute<{ waba_id: string }[]>('select distinct waba_id from template where waba_id is not null order by waba_id');
  return rows.map((row: { waba_id: string }) => row.waba_id);
}

/** A token that reaches the WABA: the platform's for its own WABA, else an active channel's of that WABA. */
async function tokenForWaba(em: EntityManager, settings: TemplateMetaSettings, wabaId: string): Promise<string | undefined> {
  if (wabaId === settings.platformWabaId) return settings.platformToken();
  const [row] = await em
    .getConnection()
    .execute<{ id: string; access_token_sealed: string }[]>(
      "select id, access_token_sealed from channel where waba_id = ? order by (status = 'ACTIVE') desc, created_at limit 1",
      [wabaId],
    );
  return row ? settings.box.open(row.access_token_sealed, row.id) : undefined;
}

/** Whether `token` is that of a channel registered in the WABA (the mounted sandbox lets it manage the WABA's templates). */
export async function wabaHasToken(em: EntityManager, box: TokenBox, wabaId: string, token: string): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute<{ id: string; access_token_sealed: string }[]>('select id, access_token_sealed from channel where waba_id = ?', [wabaId]);
  return rows.some((row: { id: string; access_token_sealed: string }) => safeEqualStrings(box.open(row.access_token_sealed, row.id), token));
}

export interface WabaSyncResult {
  wabaId: string;
  /** Templates of this WABA stored in Herald. */
  checked: number;
  /** Of those, how many Meta's listing changed. */
  repaired: number;
  skipped?: string;
}

interface StoredTemplate {
  id: string;
  meta_template_id: string;
  status: string;
  category: string;
  quality: string;
  rejected_reason: string | null;
}

/**
 * Lists the WABA's templates on Meta and repairs every stored one whose status, quality or category differs.
 * A template Meta no longer lists (deleted there) becomes DISABLED, but only when the listing was read whole.
 */
export async function syncWabaTemplates(em: EntityManager, settings: TemplateMetaSettings, wabaId: string): Promise<WabaSyncResult> {
  const token = await tokenForWaba(em, settings, wabaId);
  if (!token) return { wabaId, checked: 0, repaired: 0, skipped: 'no channel or platform token reaches this WABA' };
  const listing = await listTemplates(settings.location, wabaId, token);
  const onMeta = new Map(listing.templates.map((template) => [template.id, template]));
  const stored = await em
    .getConnection()
    .execute<StoredTemplate[]>(
      'select id, meta_template_id, status, category, quality, rejected_reason from template where waba_id = ? and meta_template_id is not null',
      [wabaId],
    );
  let repaired = 0;
  for (const row of stored) {
    const meta = onMeta.get(row.meta_template_id);
    if (!meta && !listing.complete) continue;
    const status = meta ? (statusFromMeta(meta.status) ?? row.status) : 'DISABLED';
    const wanted = {
      status,
      rejected_reason: meta && status === 'REJECTED' ? rejectedReasonFor(status, meta.rejectedReason) : status === 'REJECTED' ? row.rejected_reason : null,
      quality: qualityFromMeta(meta?.quality) ?? row.quality,
      category: categoryFromMeta(meta?.category) ?? row.category,
    };
    const differs = (Object.keys(wanted) as (keyof typeof wanted)[]).some((column) => wanted[column] !== row[column]);
    if (!differs) continue;
    await em.getConnection().execute('update template set status = ?, rejected_reason = ?, quality = ?, category = ?, meta_synced_at = now() where id = ?', [
      wanted.status,
      wanted.rejected_reason,
      wanted.quality,
      wanted.category,
      row.id,
    ]);
    repaired++;
  }
  return { wabaId, checked: stored.length, repaired };
}
