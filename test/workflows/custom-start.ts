// Stores a message exactly as the API does, then starts its workflow with test-only input (shorter send
// timeouts, a lower reschedule limit), which the API never sets.
import { randomUUID } from 'node:crypto';
import { TENANT_FILTER } from '../../server/db/tenant-scope.ts';
import { storeMessage } from '../../server/modules/messages/schedule.service.ts';
import { MESSAGE_STATUS_KEY, TENANT_ID_KEY, type MessageWorkflowInput } from '../../workflows/shared.ts';
import type { Harness } from '../support/harness.ts';
import type { SendingTenant } from '../messages/support.ts';

/** Step one of scheduling only: the row, no workflow. */
export async function storeTestMessage(herald: Harness, tenant: SendingTenant, contactId: string, scheduleTime = new Date()) {
  const em = herald.orm.em.fork();
  em.setFilterParams(TENANT_FILTER, { tenantId: tenant.tenantId });
  const { message } = await storeMessage(em, tenant.tenantId, {
    templateId: tenant.templateId,
    contactId,
    scheduleTime,
    idempotencyKey: randomUUID(),
    parameters: {},
  });
  return message;
}

export async function startMessageWith(
  herald: Harness,
  tenant: SendingTenant,
  contactId: string,
  options: { scheduleTime?: Date; input?: Partial<MessageWorkflowInput> } = {},
): Promise<{ messageId: string; workflowId: string; firstRunId: string }> {
  const scheduleTime = options.scheduleTime ?? new Date();
  const message = await storeTestMessage(herald, tenant, contactId, scheduleTime);
  const input: MessageWorkflowInput = {
    messageId: message.id,
    tenantId: tenant.tenantId,
    scheduleTime: scheduleTime.toISOString(),
    statusWaitMs: herald.config.messageStatusWaitMs,
    ...options.input,
  };
  const handle = await herald.temporal.workflow.start('messageWorkflow', {
    taskQueue: herald.config.TEMPORAL_TASK_QUEUE,
    workflowId: message.workflowId,
    args: [input],
    typedSearchAttributes: [
      { key: TENANT_ID_KEY, value: tenant.tenantId },
      { key: MESSAGE_STATUS_KEY, value: 'SCHEDULED' },
    ],
  });
  await herald.orm.em.fork().execute('update message set workflow_started = true where id = ?', [message.id], 'run');
  return { messageId: message.id, workflowId: message.workflowId, firstRunId: handle.firstExecutionRunId };
}
