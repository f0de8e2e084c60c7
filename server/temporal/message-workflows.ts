import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
// A value import only for `start(messageWorkflow, …)`: it pulls in @temporalio/workflow, never Node-only code.
import { escalationWorkflow } from '../../workflows/escalation.ts';
import { messageWorkflow } from '../../workflows/message.ts';
import {
  CAMPAIGN_ID_KEY,
  MESSAGE_STATUS_KEY,
  TENANT_ID_KEY,
  TOO_LATE,
  campaignGateSignal,
  cancelUpdate,
  escalationWakeSignal,
  escalationWorkflowId,
  providerStatusSignal,
  rescheduleUpdate,
  type MessageWorkflowInput,
  type ProviderStatusSignal,
} from '../../workflows/shared.ts';
import { escalationPriority, messagePriority } from './priority.ts';

/** Where and how message workflows run; built once per process. */
export interface WorkflowSettings {
  temporal: Client;
  taskQueue: string;
  /** How long a sent message's workflow waits for a final delivery status. */
  statusWaitMs: number;
}

/** What became of a cancel or reschedule: the workflow alone knows whether its timer has fired. */
export type UpdateOutcome = 'applied' | 'too-late' | 'finished';

export interface MessageToStart {
  id: string;
  tenantId: string;
  workflowId: string;
  scheduleTime: Date;
  channelId?: string | null | undefined;
  /** Set for a root message with an escalation: its escalation workflow starts with it. */
  escalationPolicyId?: string | null | undefined;
  /** Set for a campaign's message: it passes the campaign's gate when due, and carries the CampaignId attribute. */
  campaignId?: string | null | undefined;
}

/** The one typed client of message workflows: start, cancel, reschedule and signal. */
export interface MessageWorkflows {
  /** Idempotent: the workflow id derives from the message id, so a second start finds the first. */
  start(message: MessageToStart): Promise<void>;
  cancel(workflowId: string): Promise<UpdateOutcome>;
  reschedule(workflowId: string, scheduleTime: Date): Promise<UpdateOutcome>;
  /** False when the workflow has already finished (the status is then only recorded). */
  signalStatus(workflowId: string, signal: ProviderStatusSignal): Promise<boolean>;
  /** Tells a root's escalation to decide again now (nothing when it has none, or it has ended). */
  wakeEscalation(rootMessageId: string): Promise<void>;
  /** Wakes a campaign's message held at its gate, to ask it again (nothing when its workflow has ended). */
  releaseFromGate(workflowId: string): Promise<void>;
}

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

export function messageWorkflows(settings: WorkflowSettings): MessageWorkflows {
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
      try {
        await settings.temporal.workflow.start(messageWorkflow, {
          taskQueue: settings.taskQueue,
          workflowId: message.workflowId,
          args: [input],
          priority: messagePriority(message),
          typedSearchAttributes: [
            { key: TENANT_ID_KEY, value: message.tenantId },
            { key: MESSAGE_STATUS_KEY, value: 'SCHEDULED' },
            ...(message.campaignId ? [{ key: CAMPAIGN_ID_KEY, value: message.campaignId }] : []),
          ],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      if (message.escalationPolicyId) {
        try {
          await settings.temporal.workflow.start(escalationWorkflow, {
            taskQueue: settings.taskQueue,
            workflowId: escalationWorkflowId(message.id),
            args: [{ rootMessageId: message.id, tenantId: message.tenantId }],
            priority: escalationPriority(message.tenantId),
            typedSearchAttributes: [{ key: TENANT_ID_KEY, value: message.tenantId }],
          });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
      }
    },
    cancel: (workflowId) => outcomeOf(handle(workflowId).executeUpdate(cancelUpdate)),
    reschedule: (workflowId, scheduleTime) =>
      outcomeOf(handle(workflowId).executeUpdate(rescheduleUpdate, { args: [scheduleTime.toISOString()] })),
    async wakeEscalation(rootMessageId) {
      try {
        await handle(escalationWorkflowId(rootMessageId)).signal(escalationWakeSignal);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
    async releaseFromGate(workflowId) {
      try {
        await handle(workflowId).signal(campaignGateSignal);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
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
