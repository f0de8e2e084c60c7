// The worker bundles this file: every workflow Herald runs is exported here.
export { echoWorkflow } from './echo.ts';
export { messageWorkflow } from './message.ts';
export { escalationWorkflow } from './escalation.ts';
export { templateSyncWorkflow } from './template-sync.ts';
export { campaignWorkflow } from './campaign.ts';
