// Meta's webhook fields for consent and price, read as Meta documents them: statuses[].pricing and
// user_preferences (marketing stop/resume); anything odd in them is dropped without losing the rest.
import { describe, expect, it } from 'vitest';
import { statusEnvelope } from '../../server/modules/whatsapp/sandbox-format.ts';
import { parseWebhookEnvelope, statusesOf, userPreferencesOf, type WebhookEnvelope } from '../../server/modules/whatsapp/webhook-payload.ts';

const identity = { wabaId: '1', phoneNumberId: '106540352242922', displayPhoneNumber: '15550783881' };
const envelopeOf = (body: unknown): WebhookEnvelope => {
  const parsed = parseWebhookEnvelope(body);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.envelope;
};

describe("Meta's consent and pricing webhook fields", () => {
  it("the sandbox's statuses carry Meta's pricing object, and Herald reads it back", () => {
    const body = statusEnvelope(identity, { wamid: 'wamid.A', status: 'delivered', recipientId: '15551234567', pricing: { billable: true } });
    expect(body.entry[0]!.changes[0]!.value.statuses[0]).toMatchObject({ pricing: { billable: true, pricing_model: 'PMP', type: 'regular' } });
    const [status] = statusesOf(envelopeOf(body));
    expect(status!.pricing).toEqual({ billable: true, category: undefined, type: 'regular', pricingModel: 'PMP' });
  });

  it('a pricing that is not an object with a boolean billable is dropped, not the status', () => {
    const body = statusEnvelope(identity, { wamid: 'wamid.B', status: 'sent', recipientId: '15551234567' });
    Object.assign(body.entry[0]!.changes[0]!.value.statuses[0]!, { pricing: { billable: 'no' } });
    const statuses = statusesOf(envelopeOf(body));
    expect(statuses).toHaveLength(1);
    expect(statuses[0]!.pricing).toBeUndefined();
  });

  it('user_preferences: marketing stop and resume with their time and number; other categories and bad items are left out', () => {
    const skipped: string[] = [];
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'user_preferences',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
                user_preferences: [
                  { wa_id: '15551234567', detail: 'User requested to stop marketing messages', category: 'marketing_messages', value: 'stop', timestamp: 1767225600 },
                  { wa_id: '15551234568', category: 'marketing_messages', value: 'resume', timestamp: '1767225601' },
                  { wa_id: '15551234569', category: 'something_else', value: 'stop', timestamp: 1767225602 },
                  { wa_id: 'not-a-number', category: 'marketing_messages', value: 'stop', timestamp: 1767225603 },
                ],
              },
            },
          ],
        },
      ],
    };
    const changes = userPreferencesOf(envelopeOf(body), (problem) => skipped.push(problem));
    expect(changes).toEqual([
      { waId: '15551234567', value: 'stop', timestamp: new Date(1767225600_000), phoneNumberId: '106540352242922' },
      { waId: '15551234568', value: 'resume', timestamp: new Date(1767225601_000), phoneNumberId: '106540352242922' },
    ]);
    expect(skipped).toHaveLength(1);
    expect(statusesOf(envelopeOf(body))).toEqual([]);
  });
});
