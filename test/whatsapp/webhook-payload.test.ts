import { describe, expect, it } from 'vitest';
import { extractStatuses, parseWebhookEnvelope, statusesOf, type WebhookEnvelope } from '../../server/modules/whatsapp/webhook-payload.ts';
import { inboundMessageOnly, metadata, severalStatuses, status } from './fixtures.ts';

describe("reading statuses out of Meta's webhook envelope", () => {
  it('flattens every entry, change and status in payload order, skipping status names Herald does not track', () => {
    // Meta's pricing of the message, kept as the evidence of what it charges.
    const pricing = { billable: true, category: 'utility', type: 'regular', pricingModel: 'PMP' };
    expect(extractStatuses(severalStatuses)).toEqual([
      { wamid: 'wamid.AAA', status: 'sent', timestamp: new Date(1750263773_000), recipientId: '15551234567', errorCode: undefined, errorTitle: undefined, phoneNumberId: metadata.phone_number_id, pricing },
      { wamid: 'wamid.AAA', status: 'delivered', timestamp: new Date(1750263775_000), recipientId: '15551234567', errorCode: undefined, errorTitle: undefined, phoneNumberId: metadata.phone_number_id, pricing },
      {
        wamid: 'wamid.BBB',
        status: 'failed',
        timestamp: new Date(1750263780_000),
        recipientId: '15551234567',
        errorCode: 131026,
        errorTitle: 'Message undeliverable',
        phoneNumberId: metadata.phone_number_id,
      },
      { wamid: 'wamid.CCC', status: 'read', timestamp: new Date(1750263790_000), recipientId: '15551234567', errorCode: undefined, errorTitle: undefined, phoneNumberId: metadata.phone_number_id },
    ]);
  });

  it('gives no statuses for a customer writing to the business', () => {
    expect(extractStatuses(inboundMessageOnly)).toEqual([]);
  });

  it("uses an error's message when it has no title", () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: { metadata, statuses: [status('wamid.X', 'failed', '1750000000', { errors: [{ code: 131047, message: 'Re-engagement message' }] })] },
            },
          ],
        },
      ],
    };
    expect(extractStatuses(payload)).toMatchObject([{ wamid: 'wamid.X', status: 'failed', errorCode: 131047, errorTitle: 'Re-engagement message' }]);
  });

  it("keeps the send's biz_opaque_callback_data when it is text Meta could have returned, and drops anything else", () => {
    const withCallback = (value: unknown) => status('wamid.CB', 'sent', '1750000000', { biz_opaque_callback_data: value });
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          changes: [
            {
              value: {
                metadata,
                statuses: [withCallback('herald:message:1'), withCallback({ not: 'text' }), withCallback('x'.repeat(513)), withCallback('nul\u0000')],
              },
            },
          ],
        },
      ],
    };
    expect(extractStatuses(payload).map((reading) => reading.callbackData)).toEqual(['herald:message:1', undefined, undefined, undefined]);
  });

  it('skips a malformed status but keeps its neighbours', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [{ changes: [{ value: { statuses: [{ status: 'sent' }, status('wamid.OK', 'delivered', '1750000001')] } }] }],
    };
    expect(extractStatuses(payload).map((s) => s.wamid)).toEqual(['wamid.OK']);
  });

  it('skips, and reports, a status PostgreSQL could not hold, keeping the ones after it', () => {
    const statuses = [
      status('wamid.FAR', 'sent', '99999999999999'),
      status(`wamid.${'\u0000'}`, 'sent', '1750000001'),
      status('wamid.OK', 'failed', '1750000002', { errors: [{ code: 2 ** 40, title: `bad${'\u0000'}${'\ud800'}${'t'.repeat(600)}` }] }),
    ];
    const skipped: number[] = [];
    const envelope = { object: 'whatsapp_business_account', entry: [{ changes: [{ value: { statuses } }] }] } as WebhookEnvelope;
    const kept = statusesOf(envelope, (_problem, index) => skipped.push(index));
    expect(skipped).toEqual([0, 1]);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ wamid: 'wamid.OK', errorCode: undefined });
    expect(kept[0]!.errorTitle).toBe(`bad\ufffd${'t'.repeat(496)}`);
  });

  it('refuses anything that is not the envelope, with a reason', () => {
    expect(parseWebhookEnvelope({ object: 'page', entry: [] })).toMatchObject({ problem: expect.stringContaining('object') });
    expect(parseWebhookEnvelope({ object: 'whatsapp_business_account' })).toMatchObject({ problem: expect.stringContaining('entry') });
    expect(parseWebhookEnvelope([1, 2])).toHaveProperty('problem');
    expect(() => extractStatuses('hello')).toThrow(TypeError);
    expect(parseWebhookEnvelope({ object: 'whatsapp_business_account', entry: [], extra: true })).toHaveProperty('envelope');
  });
});
