import type { EntityManager } from '@mikro-orm/postgresql';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { messageNotFound } from '../../shared/errors.ts';
import { escalationView } from '../escalations/escalation.service.ts';
import { Message, MessageStatusEvent } from './message.entity.ts';
import type { MessageStatus } from './status-rules.ts';

/** A message of the caller's tenant (the tenant filter scopes it) with its status history. */
export async function getMessage(em: EntityManager, id: string) {
  const message = await em.fork().findOne(Message, { id });
  if (!message) throw messageNotFound();
  // In the order Herald learned of them: Meta's own timestamps have whole-second precision.
  const history = await em.find(MessageStatusEvent, { messageId: id }, { orderBy: { recordedAt: 'asc', occurredAt: 'asc' } });
  return { message, history, escalation: await escalationView(em, message) };
}

export function listMessages(em: EntityManager, options: PageOptions & { status?: MessageStatus | undefined }) {
  return findPage(em, Message, options.status ? { status: options.status } : {}, options);
}
