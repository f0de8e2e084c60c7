import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import type { InboundWhatsAppMessage } from '../whatsapp/webhook-payload.ts';
import { InboundMessage } from './inbound-message.entity.ts';
import { reachWindow, replyOwner, type ReplyFacts } from './reply-owner.ts';

/** The columns of a stored message; contact and tenant come from the routing. */
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

/** Stored under one tenant (the channel's, or the reply's owner on the platform number), matched to its contact with that phone. */
const TO_TENANT = `${INTO}
  values (gen_random_uuid(), ?, ?, (select id from contact where tenant_id = ? and phone = ?), ?, ?, ?, ?, ?, ?)
  ${ONCE}
  returning contact_id`;

/** Messages from a number (2nd parameter) that reached a phone (1st) within a window (3rd, 4th), latest first. */
const REACHED = `from contact c join message m on m.contact_id = c.id and m.tenant_id = c.tenant_id
  where c.phone = ? and m.from_phone_number_id = ? and m.status in ('SENT', 'DELIVERED', 'READ') and m.sent_at >= ? and m.sent_at < ?`;
const LATEST = 'order by m.sent_at desc limit 1';

// The facts replyOwner decides on, in one round trip: the quoted message's tenant (Herald's message from this number
// to this phone), and the latest message from this number that reached the phone within the window.
const REPLY_FACTS = `
  select
    (select q.tenant_id from message q join contact qc on qc.id = q.contact_id and qc.tenant_id = q.tenant_id
      where q.provider_message_id = ? and q.from_phone_number_id = ? and qc.phone = ?) as quoted_tenant_id,
    r.tenant_id as reached_tenant_id, r.sent_at as reached_at
  from (values (1)) as one
  left join lateral (select m.tenant_id, m.sent_at ${REACHED} ${LATEST}) r on true`;

/** Reads the facts of a message `phone` wrote to the business number `phoneNumberId` at `receivedAt`. */
export async function replyFacts(
  em: EntityManager,
  reply: { phoneNumberId: string; phone: string; quotedWamid: string | undefined; receivedAt: Date },
): Promise<ReplyFacts> {
  const window = reachWindow(reply.receivedAt);
  const [row] = await em.execute<{ quoted_tenant_id: string | null; reached_tenant_id: string | null; reached_at: Date | null }[]>(REPLY_FACTS, [
    reply.quotedWamid ?? null, reply.phoneNumberId, reply.phone,
    reply.phone, reply.phoneNumberId, window.from, window.to,
  ]);
  return {
    receivedAt: reply.receivedAt,
    quotedTenantId: row?.quoted_tenant_id ?? null,
    lastReached: row?.reached_tenant_id ? { tenantId: row.reached_tenant_id, sentAt: new Date(row.reached_at!) } : null,
  };
}

/** The wamid of the tenant's latest message from `phoneNumberId` that reached `phone` in the window a reply at `at` may answer. */
export async function latestReachOf(em: EntityManager, tenantId: string, reply: { phoneNumberId: string; phone: string; at: Date }): Promise<string | undefined> {
  const window = reachWindow(reply.at);
  const [row] = await em.execute<{ provider_message_id: string }[]>(`select m.provider_message_id ${REACHED} and m.tenant_id = ? ${LATEST}`, [
    reply.phone, reply.phoneNumberId, window.from, window.to, tenantId,
  ]);
  return row?.provider_message_id;
}

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
  /** WHATSAPP_PHONE_NUMBER_ID: a message to it goes to one tenant, the reply's owner (reply-owner.ts). */
  platformPhoneNumberId: string;
}

/**
 * Stores what users wrote, each routed by the business number written to (`metadata.phone_number_id`): a
 * channel's number → its tenant; the platform number → the one tenant replyOwner names (none: dropped); anything else is
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
    if (!channel && message.phoneNumberId !== routing.platformPhoneNumberId) {
      logger.warn({ metaMessageId: message.metaMessageId, phoneNumberId: message.phoneNumberId }, 'inbound message to a number no channel has: ignored');
      continue;
    }
    const tenantId = channel
      ? channel.tenant_id
      : replyOwner(await replyFacts(em, { phoneNumberId: message.phoneNumberId, phone, quotedWamid: message.quotedWamid, receivedAt: message.timestamp }));
    if (!tenantId) {
      logger.info({ metaMessageId: message.metaMessageId }, 'inbound message to the platform number: no tenant reached that phone lately, stored for none');
      continue;
    }
    const [stored] = await em.execute<{ contact_id: string | null }[]>(TO_TENANT, [tenantId, channel?.id ?? null, tenantId, phone, ...values]);
    if (stored?.contact_id) writings.push({ tenantId, contactId: stored.contact_id, text: message.text, receivedAt: message.timestamp });
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
