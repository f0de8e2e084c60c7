import type { EntityManager } from '@mikro-orm/postgresql';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { AppError } from '../../shared/errors.ts';
import type { MessageWorkflows, UpdateOutcome } from '../../temporal/message-workflows.ts';
import { Message, MessageStatusEvent } from './message.entity.ts';
import { isWaiting, type MessageStatus } from './status-rules.ts';
import { refuseBeyondAYear, startMessageWorkflow } from './schedule.service.ts';

const notFound = () => new AppError('NOT_FOUND', 'Message not found', { reason: 'MESSAGE_NOT_FOUND' });

/** A message of the caller's tenant (the tenant filter scopes it) with its status history. */
export async function getMessage(em: EntityManager, id: string) {
  const message = await em.fork().findOne(Message, { id });
  if (!message) throw notFound();
  // In the order Herald learned of them: Meta's own timestamps have whole-second precision.
  const history = await em.find(MessageStatusEvent, { messageId: id }, { orderBy: { recordedAt: 'asc', occurredAt: 'asc' } });
  return { message, history };
}

export function listMessages(em: EntityManager, options: PageOptions & { status?: MessageStatus | undefined }) {
  return findPage(em, Message, options.status ? { status: options.status } : {}, options);
}

const tooLate = (status: string) =>
  new AppError('CONFLICT', `The message can no longer be changed: it is ${status}`, { reason: 'ALREADY_DISPATCHED' });

/**
 * Cancel and reschedule go to the workflow as updates: it alone decides whether its timer has fired,
 * and it writes the database before answering, so the two never disagree.
 */
async function updateWorkflow(
  em: EntityManager,
  workflows: MessageWorkflows,
  id: string,
  update: (workflowId: string) => Promise<UpdateOutcome>,
) {
  const message = await em.fork().findOne(Message, { id });
  if (!message) throw notFound();
  if (!isWaiting(message.status)) throw tooLate(message.status);
  // Its API process may have died before starting the workflow; start it now rather than fail.
  if (!message.workflowStarted) await startMessageWorkflow(em, workflows, message);
  const outcome = await update(message.workflowId);
  if (outcome === 'too-late') throw tooLate('being dispatched');
  if (outcome === 'finished') throw tooLate('finished');
  return await getMessage(em, id);
}

export function cancelMessage(em: EntityManager, workflows: MessageWorkflows, id: string) {
  return updateWorkflow(em, workflows, id, (workflowId) => workflows.cancel(workflowId));
}

export function rescheduleMessage(em: EntityManager, workflows: MessageWorkflows, id: string, scheduleTime: Date) {
  refuseBeyondAYear(scheduleTime);
  return updateWorkflow(em, workflows, id, (workflowId) => workflows.reschedule(workflowId, scheduleTime));
}
