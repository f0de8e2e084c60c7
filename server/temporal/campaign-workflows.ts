// A value import only for `start(campaignWorkflow, …)`: it pulls in @temporalio/workflow, never Node-only code.
import { campaignWorkflow } from '../../workflows/campaign.ts';
import { CAMPAIGN_ID_KEY, TENANT_ID_KEY, campaignChangedSignal, campaignWorkflowId } from '../../workflows/shared.ts';
import type { CampaignWorkflows } from '../modules/campaigns/ports.ts';
import { campaignPriority } from './priority.ts';
import { ignoringFinished, startOnce, type WorkflowSettings } from './settings.ts';

/** The campaigns domain's port on Temporal. */
export function campaignWorkflows(settings: Pick<WorkflowSettings, 'temporal' | 'taskQueue'>): CampaignWorkflows {
  const { temporal, taskQueue } = settings;
  return {
    start: (campaign) =>
      startOnce(
        temporal.workflow.start(campaignWorkflow, {
          taskQueue,
          workflowId: campaignWorkflowId(campaign.id),
          args: [{ campaignId: campaign.id, tenantId: campaign.tenantId }],
          priority: campaignPriority(campaign.tenantId),
          typedSearchAttributes: [
            { key: TENANT_ID_KEY, value: campaign.tenantId },
            { key: CAMPAIGN_ID_KEY, value: campaign.id },
          ],
        }),
      ),
    changed: (campaignId) => ignoringFinished(temporal.workflow.getHandle(campaignWorkflowId(campaignId)).signal(campaignChangedSignal)),
  };
}
