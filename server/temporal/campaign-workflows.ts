import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
// A value import only for `start(campaignWorkflow, …)`: it pulls in @temporalio/workflow, never Node-only code.
import { campaignWorkflow } from '../../workflows/campaign.ts';
import {
  CAMPAIGN_ID_KEY,
  TENANT_ID_KEY,
  campaignChangedSignal,
  campaignWorkflowId,
  type CampaignWorkflowInput,
} from '../../workflows/shared.ts';
import { campaignPriority } from './priority.ts';

/** The typed client of campaign workflows; cheap to build (it reuses the process's Temporal client). */
export interface CampaignWorkflows {
  /** Idempotent: the workflow id derives from the campaign id. */
  start(campaign: { id: string; tenantId: string }, options?: Pick<CampaignWorkflowInput, 'batchSize' | 'pollMs'>): Promise<void>;
  /** The campaign was paused, resumed or cancelled (nothing when its workflow has ended). */
  changed(campaignId: string): Promise<void>;
}

async function ignoringFinished(signal: Promise<void>): Promise<void> {
  try {
    await signal;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

export function campaignWorkflows(temporal: Client, taskQueue: string): CampaignWorkflows {
  return {
    async start(campaign, options = {}) {
      try {
        await temporal.workflow.start(campaignWorkflow, {
          taskQueue,
          workflowId: campaignWorkflowId(campaign.id),
          args: [{ campaignId: campaign.id, tenantId: campaign.tenantId, ...options }],
          priority: campaignPriority(campaign.tenantId),
          typedSearchAttributes: [
            { key: TENANT_ID_KEY, value: campaign.tenantId },
            { key: CAMPAIGN_ID_KEY, value: campaign.id },
          ],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
    changed: (campaignId) => ignoringFinished(temporal.workflow.getHandle(campaignWorkflowId(campaignId)).signal(campaignChangedSignal)),
  };
}
