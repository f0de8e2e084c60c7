// Meta's template webhooks as Herald reads them: pure parsing, no server.
import { describe, expect, it } from 'vitest';
import { statusFromMeta } from '../../server/modules/templates/meta-state.ts';
import { parseWebhookEnvelope } from '../../server/modules/whatsapp/webhook-payload.ts';
import { templateEventsOf } from '../../server/modules/whatsapp/webhook-templates.ts';

const envelopeOf = (body: unknown) => {
  const parsed = parseWebhookEnvelope(body);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.envelope;
};

describe("Meta's template webhooks", () => {
  it('reads status, quality and category changes with the WABA of their entry, numeric or string ids alike', () => {
    const skipped: string[] = [];
    const events = templateEventsOf(
      envelopeOf({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '102290129340398',
            time: 1_700_000_000,
            changes: [
              { field: 'message_template_status_update', value: { event: 'REJECTED', message_template_id: 594425479261596, message_template_name: 'a', message_template_language: 'en_US', reason: 'INVALID_FORMAT' } },
              { field: 'message_template_quality_update', value: { previous_quality_score: 'GREEN', new_quality_score: 'YELLOW', message_template_id: '594425479261596' } },
              { field: 'template_category_update', value: { previous_category: 'UTILITY', new_category: 'MARKETING', message_template_id: 594425479261596 } },
              { field: 'messages', value: { statuses: [] } },
              { field: 'message_template_status_update', value: { event: 'APPROVED' } },
            ],
          },
        ],
      }),
      (problem) => skipped.push(problem),
    );
    expect(events).toEqual([
      { kind: 'status', wabaId: '102290129340398', metaTemplateId: '594425479261596', value: 'REJECTED', reason: 'INVALID_FORMAT' },
      { kind: 'quality', wabaId: '102290129340398', metaTemplateId: '594425479261596', value: 'YELLOW' },
      { kind: 'category', wabaId: '102290129340398', metaTemplateId: '594425479261596', value: 'MARKETING' },
    ]);
    expect(skipped).toEqual([expect.stringContaining('message_template_id')]);
  });

  it("maps Meta's statuses onto Herald's, leaving FLAGGED and unknown words without effect", () => {
    expect(['APPROVED', 'REINSTATED', 'IN_APPEAL', 'PAUSED', 'PENDING_DELETION', 'FLAGGED', 'SOMETHING_NEW'].map(statusFromMeta)).toEqual([
      'APPROVED',
      'APPROVED',
      'PENDING',
      'PAUSED',
      'DISABLED',
      undefined,
      undefined,
    ]);
  });
});
