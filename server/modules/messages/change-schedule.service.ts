import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, messageNotFound } from '../../shared/errors.ts';
import type { MessageWorkflows, UpdateOutcome } from './ports.ts';
import { Message } from './message.entity.ts';
import { getMessage } from './messages.service.ts';
import { refuseBeyondAYear, startMessageWorkflow } from './schedule.service.ts';
import { recordEvent } from './status-history.ts';
import { isWaiting, MESSAGE_STATUSES, sqlStatusList } from './status-rules.ts';

// Cancel and reschedule, both halves: the API asks the message's workflow (an update), and the workflow
// writes the database (an activity) before it answers, so the two never disagree.

const tooLate = (status: string) =>
  new AppError('CONFLICT', `The message can no longer be changed: it is ${status}`, { reason: 'ALREADY_DISPATCHED' });

/** The workflow alone decides whether its timer has fired; a message no longer waiting is refused here first. */
async function updateWorkflow(
  em: EntityManager,
  workflows: MessageWorkflows,
  id: string,
  update: (workflowId: string) => Promise<UpdateOutcome>,
) {
  const message = await em.fork().findOne(Message, { id });
  if (!message) throw messageNotFound();
  if (!isWaiting(message.status)) throw tooLate(message.status);
  // Its API process may have died before starting the workflow; start it now rather than fail.
  if (!message.workflowStarted) await startMessageWorkflow(em, workflows, message);
  const outcome = await update(message.workflowId);
  if (outcome === 'too-late') throw tooLate('being dispatched');
  if (outcome === 'finished') throw tooLate('finished');
  return await getMessage(em, id);
}

export async function cancelMessage(em: EntityManager, workflows: MessageWorkflows, id: string) {
  const cancelled = await updateWorkflow(em, workflows, id, (workflowId) => workflows.cancel(workflowId));
  // A root cancelled before dispatch cancels its escalation.
  if (cancelled.message.escalationState === 'PENDING') await workflows.wakeEscalation(id);
  return cancelled;
}

export async function rescheduleMessage(em: EntityManager, workflows: MessageWorkflows, id: string, scheduleTime: Date) {
  refuseBeyondAYear(scheduleTime);
  const moved = await updateWorkflow(em, workflows, id, (workflowId) => workflows.reschedule(workflowId, scheduleTime));
  // Its escalation waits for the root's time: it learns the new one now rather than look in vain at the old.
  if (moved.message.escalationState === 'PENDING') await workflows.wakeEscalation(id);
  return moved;
}

const WAITING = sqlStatusList(MESSAGE_STATUSES.filter(isWaiting));

/** The cancel update's database half: only a message still waiting for its time can be cancelled. */
export async function markCancelled(em: EntityManager, messageId: string): Promise<void> {
  await em.transactional(async (tx) => {
    await tx.execute(
      `update message set status = 'CANCELLED', cancelled_at = coalesce(cancelled_at, now()), updated_at = now()
       where id = ? and status in (${WAITING})`,
      [messageId],
      'run',
    );
    await recordEvent(tx, messageId, 'CANCELLED', 'API');
  });
}

/** The reschedule update's database half. */
export async function recordReschedule(em: EntityManager, messageId: string, scheduleTime: string): Promise<void> {
  await em.transactional(async (tx) => {
    await tx.execute(`update message set schedule_time = ?, updated_at = now() where id = ? and status in (${WAITING})`, [
      new Date(scheduleTime),
      messageId,
    ], 'run');
    await recordEvent(tx, messageId, 'RESCHEDULED', 'API', { detail: `now due ${scheduleTime}` });
  });
}
