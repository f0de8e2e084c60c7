// Meta's template webhooks (status, quality and category of a template under a WABA), read from the envelope.
import { metaIdOf } from './graph-templates.ts';
import type { WebhookEnvelope } from './webhook-payload.ts';

/** One change to a template, in Meta's words; the templates module maps them to Herald's. */
export interface TemplateEvent {
  kind: 'status' | 'quality' | 'category';
  /** entry[].id: the WABA the template belongs to. */
  wabaId: string;
  metaTemplateId: string;
  /** The new status event (APPROVED, REJECTED, PAUSED…), quality score or category. */
  value: string;
  /** A status event's reason (a rejection's), when Meta gives one. */
  reason?: string | undefined;
}

const FIELDS: Readonly<Record<string, { kind: TemplateEvent['kind']; valueKey: string }>> = {
  message_template_status_update: { kind: 'status', valueKey: 'event' },
  message_template_quality_update: { kind: 'quality', valueKey: 'new_quality_score' },
  template_category_update: { kind: 'category', valueKey: 'new_category' },
};

const word = (value: unknown): string | undefined => (typeof value === 'string' && /^[A-Za-z_]{1,64}$/.test(value) ? value : undefined);
const reasonText = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.toWellFormed().replaceAll('\u0000', '').slice(0, 256) : undefined);

/**
 * Every template change of every entry, in payload order. One without a WABA, a template id or a value is
 * reported to `onSkip` and left out (it could not be matched to one template anyway).
 */
export function templateEventsOf(envelope: WebhookEnvelope, onSkip: (problem: string) => void = () => {}): TemplateEvent[] {
  const events: TemplateEvent[] = [];
  for (const entry of envelope.entry) {
    for (const change of entry.changes) {
      const field = change.field === undefined ? undefined : FIELDS[change.field];
      if (!field) continue;
      const value = change.value as Record<string, unknown>;
      const wabaId = metaIdOf(entry.id);
      const metaTemplateId = metaIdOf(value.message_template_id);
      const newValue = word(value[field.valueKey]);
      if (!wabaId || !metaTemplateId || !newValue) {
        onSkip(`malformed ${change.field}: needs entry.id, value.message_template_id and value.${field.valueKey}`);
        continue;
      }
      events.push({ kind: field.kind, wabaId, metaTemplateId, value: newValue, ...(field.kind === 'status' ? { reason: reasonText(value.reason) } : {}) });
    }
  }
  return events;
}
