import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import type { InboundWhatsAppMessage } from '../whatsapp/webhook-payload.ts';
import { InboundMessage } from './inbound-message.entity.ts';

/** The columns every stored copy of one message shares; contact and tenant come from the routing query. */
const messageValues = (message: InboundWhatsAppMessage, storedAt: Date) => [
  message.metaMessageId,
  message.from,
  message.type,
  message.text ?? null,
  message.timestamp,
  storedAt,
];

// One statement per message, the same (tenant, Meta message id) inserting nothing a second time: a redelivered
// webhook stores nothing twice, and concurrent deliveries of it cannot race.
const INTO = `insert into inbound_message (id, tenant_id, channel_id, contact_id, meta_message_id, from_number, type, text, received_at, created_at)`;
const ONCE = 'on conflict (tenant_id, meta_message_id) do nothing';

/** A tenant's own number: stored under that tenant, matched to its contact with that phone if there is one. */
const TO_CHANNEL = `${INTO}
  values (gen_random_uuid(), ?, ?, (select id from contact where tenant_id = ? and phone = ?), ?, ?, ?, ?, ?, ?)
  ${ONCE}
  returning tenant_id, contact_id`;

/** The platform number is shared: the message belongs to every tenant that has the writer as a contact. */
const TO_PLATFORM = `${INTO}
  select gen_random_uuid(), c.tenant_id, null, c.id, ?, ?, ?, ?, ?, ?
  from contact c where c.phone = ?
  ${ONCE}
  returning tenant_id, contact_id`;

// The list is ordered by when Herald stored a message (then by id): each gets its own millisecond, so the
// messages of one webhook keep their payload order.
let lastStoredAt = 0;
const nextStoredAt = () => new Date((lastStoredAt = Math.max(Date.now(), lastStoredAt + 1)));

/** A newly stored copy of a message from one of a tenant's contacts: who wrote what, and when. */
export interface InboundWriting {
  tenantId: string;
  contactId: string;
  text: string | undefined;
  receivedAt: Date;
}

export interface InboundRouting {
  /** WHATSAPP_PHONE_NUMBER_ID: messages to it go to the tenants that know the writer. */
  platformPhoneNumberId: string;
}

/**
 * Stores what users wrote, each routed by the business number written to (`metadata.phone_number_id`): a
 * channel's number → its tenant; the platform number → every tenant with that contact; anything else is
 * logged and dropped (answering an error would only make Meta resend it for days). Returns each new copy written
 * by a known contact (a reply may resolve their escalations; a keyword changes their consent); a redelivery returns none.
 */
export async function recordInboundMessages(
  em: EntityManager,
  routing: InboundRouting,
  messages: InboundWhatsAppMessage[],
  logger: Logger,
): Promise<InboundWriting[]> {
  const writings: InboundWriting[] = [];
  const wrote = (rows: { tenant_id: string; contact_id: string | null }[], message: InboundWhatsAppMessage) => {
    for (const row of rows) {
      if (row.contact_id) writings.push({ tenantId: row.tenant_id, contactId: row.contact_id, text: message.text, receivedAt: message.timestamp });
    }
  };
  for (const message of messages) {
    const phone = `+${message.from}`;
    const values = messageValues(message, nextStoredAt());
    if (message.phoneNumberId === undefined) {
      logger.warn({ metaMessageId: message.metaMessageId }, 'inbound message without metadata.phone_number_id: ignored');
      continue;
    }
    const [channel] = await em.execute<{ id: string; tenant_id: string }[]>('select id, tenant_id from channel where phone_number_id = ?', [
      message.phoneNumberId,
    ]);
    if (channel) {
      wrote(await em.execute<{ tenant_id: string; contact_id: string | null }[]>(TO_CHANNEL, [channel.tenant_id, channel.id, channel.tenant_id, phone, ...values]), message);
      continue;
    }
    if (message.phoneNumberId !== routing.platformPhoneNumberId) {
      logger.warn({ metaMessageId: message.metaMessageId, phoneNumberId: message.phoneNumberId }, 'inbound message to a number no channel has: ignored');
      continue;
    }
    const stored = await em.execute<{ tenant_id: string; contact_id: string }[]>(TO_PLATFORM, [...values, phone]);
    wrote(stored, message);
    if (stored.length === 0) {
      logger.info({ metaMessageId: message.metaMessageId }, 'inbound message to the platform number: no new tenant copy (no such contact, or a redelivery)');
    }
  }
  return writings;
}

export interface InboundFilter extends PageOptions {
  contactId?: string | undefined;
  channelId?: string | undefined;
}

/** The caller's tenant's inbound messages (its EntityManager's tenant filter), oldest stored first. */
export function listInboundMessages(em: EntityManager, options: InboundFilter) {
  const where: Record<string, unknown> = {};
  if (options.contactId) where.contactId = options.contactId;
  if (options.channelId) where.channelId = options.channelId;
  return findPage(em, InboundMessage, where, options);
}
