import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';

/** One message a contact wrote to a tenant's number, once per Meta message id (see the webhook's routing). */
export const InboundMessage = defineEntity({
  name: 'InboundMessage',
  tableName: 'inbound_message',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    /** null: the platform number (WHATSAPP_PHONE_NUMBER_ID). */
    channelId: p.uuid().nullable(),
    /** null: the tenant has no contact with that phone. */
    contactId: p.uuid().nullable(),
    metaMessageId: p.string().length(128),
    /** The writer's number as Meta gives it: digits with country code, no '+'. */
    fromNumber: p.string().length(32),
    type: p.string().length(32),
    text: p.text().nullable(),
    /** Meta's timestamp: when the contact sent it. */
    receivedAt: p.datetime(),
    /** When Herald stored it: the list's order, stable while messages arrive. */
    createdAt: p.datetime(),
  },
});
export type InboundMessage = InferEntity<typeof InboundMessage>;
