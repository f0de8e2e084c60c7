import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { cancelUpdate, rescheduleUpdate, TOO_LATE } from '../../../workflows/shared.ts';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { AppError } from '../../shared/errors.ts';
import { Message, MessageStatusEvent } from './message.entity.ts';
import { isWaiting, type MessageStatus } from './status-rules.ts';
import { refuseBeyondAYear, startMessageWorkflow, type WorkflowSettings } from './schedule.service.ts';

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
async function updateWorkflow(em: EntityManager, settings: WorkflowSettings, id: string, run: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>) {
  const message = await em.fork().findOne(Message, { id });
  if (!message) throw notFound();
  if (!isWaiting(message.status)) throw tooLate(message.status);
  // Its API process may have died before starting the workflow; start it now rather than fail.
  if (!message.workflowStarted) await startMessageWorkflow(em, settings, message);
  try {
    await run(settings.temporal.workflow.getHandle(message.workflowId));
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && (error.cause as { type?: string } | undefined)?.type === TOO_LATE) {
      throw tooLate('being dispatched');
    }
    if (error instanceof WorkflowNotFoundError) throw tooLate('finished');
    throw error;
  }
  return (await getMessage(em, id));
}

export function cancelMessage(em: EntityManager, settings: WorkflowSettings, id: string) {
  return updateWorkflow(em, settings, id, (handle) => handle.executeUpdate(cancelUpdate));
}

export function rescheduleMessage(em: EntityManager, settings: WorkflowSettings, id: string, scheduleTime: Date) {
  refuseBeyondAYear(scheduleTime);
  return updateWorkflow(em, settings, id, (handle) => handle.executeUpdate(rescheduleUpdate, { args: [scheduleTime.toISOString()] }));
}
