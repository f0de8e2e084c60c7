// Every typed workflow client Herald uses, built once per process from one set of settings: the API puts them
// into its Services, the worker into its activities' dependencies and its reconciler.
import type { CampaignWorkflows } from '../modules/campaigns/ports.ts';
import type { MessageWorkflows } from '../modules/messages/ports.ts';
import { campaignWorkflows } from './campaign-workflows.ts';
import { echoRunner, type RunEcho } from './echo-workflow.ts';
import { escalationWorkflows } from './escalation-workflows.ts';
import { messageWorkflows } from './message-workflows.ts';
import type { WorkflowSettings } from './settings.ts';
import { templateSyncSchedule, type TemplateSyncSchedule } from './template-sync-schedule.ts';

export interface WorkflowClients {
  messages: MessageWorkflows;
  campaigns: CampaignWorkflows;
  templateSync: TemplateSyncSchedule;
  runEcho: RunEcho;
}

export function workflowClients(settings: WorkflowSettings): WorkflowClients {
  return {
    messages: messageWorkflows(settings, escalationWorkflows(settings)),
    campaigns: campaignWorkflows(settings),
    templateSync: templateSyncSchedule(settings),
    runEcho: echoRunner(settings),
  };
}
