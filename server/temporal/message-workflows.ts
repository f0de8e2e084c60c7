import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
// A value import only for `start(messageWorkflow, …)`: it pulls in @temporalio/workflow, never Node-only code.
import { messageWorkflow } from '../../workflows/message.ts';
import {
  CAMPAIGN_ID_KEY,
  MESSAGE_STATUS_KEY,
  TENANT_ID_KEY,
  TOO_LATE,
  campaignGateSignal,
  cancelUpdate,
  providerStatusSignal,
  rescheduleUpdate,
  type MessageWorkflowInput,
} from '../../workflows/shared.ts';
import type { MessageWorkflows, UpdateOutcome } from '../modules/messages/ports.ts';
import type { EscalationWorkflows } from './escalation-workflows.ts';
import { messagePriority } from './priority.ts';
import { ignoringFinished, startOnce, type WorkflowSettings } from './settings.ts';

async function outcomeOf(update: Promise<unknown>): Promise<UpdateOutcome> {
  try {
    await update;
    return 'applied';
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && (error.cause as { type?: string } | undefined)?.type === TOO_LATE) return 'too-late';
    if (error instanceof WorkflowNotFoundError) return 'finished';
    throw error;
  }
}

/** The messages domain's port on Temporal; a root's escalation workflow starts with the root's own. */
export function messageWorkflows(settings: WorkflowSettings, escalations: EscalationWorkflows): MessageWorkflows {
  const handle = (workflowId: string) => settings.temporal.workflow.getHandle<typeof messageWorkflow>(workflowId);
  return {
    async start(message) {
      const input: MessageWorkflowInput = {
        messageId: message.id,
        tenantId: message.tenantId,
        scheduleTime: message.scheduleTime.toISOString(),
        statusWaitMs: settings.statusWaitMs,
        // Shown with the workflow in the Temporal UI; the send activity reads the channel from the message row.
        channelId: message.channelId ?? null,
        ...(message.campaignId ? { campaignId: message.campaignId } : {}),
      };
      await startOnce(
        settings.temporal.workflow.start(messageWorkflow, {
          taskQueue: settings.taskQueue,
          workflowId: message.workflowId,
          args: [input],
          priority: messagePriority(message),
          typedSearchAttributes: [
            { key: TENANT_ID_KEY, value: message.tenantId },
            { key: MESSAGE_STATUS_KEY, value: 'SCHEDULED' },
            ...(message.campaignId ? [{ key: CAMPAIGN_ID_KEY, value: message.campaignId }] : []),
          ],
        }),
      );
      if (message.escalationPolicyId) await escalations.start(message);
    },
    cancel: (workflowId) => outcomeOf(handle(workflowId).executeUpdate(cancelUpdate)),
    reschedule: (workflowId, scheduleTime) =>
      outcomeOf(handle(workflowId).executeUpdate(rescheduleUpdate, { args: [scheduleTime.toISOString()] })),
    wakeEscalation: (rootMessageId) => escalations.wake(rootMessageId),
    releaseFromGate: (workflowId) => ignoringFinished(handle(workflowId).signal(campaignGateSignal)),
    async signalStatus(workflowId, signal) {
      try {
        await handle(workflowId).signal(providerStatusSignal, signal);
        return true;
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        return false;
      }
    },
  };
}
