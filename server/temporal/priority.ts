import type { Priority } from '@temporalio/common';

// Task-queue Priority and Fairness of Herald's workflows (their activities inherit it). The priority key orders
// the backlog (1 runs first; Temporal's default is 3 of 1..5); within a key, the fairness key (the tenant) shares
// dispatch evenly, so no tenant's volume holds up another's. Servers without the feature ignore both.

/** Single messages, escalation levels and escalations: someone waits for each of them now. */
const URGENT = 1;
/** A campaign's own workflow: few tasks, ahead of the campaign's messages so pause and cancel stay prompt. */
const CAMPAIGN = 3;
/** A campaign's messages: the bulk of the traffic. */
const BULK = 4;

const keyed = (priorityKey: number, tenantId: string): Priority => ({ priorityKey, fairnessKey: tenantId });

/** A message's workflow: a campaign's message is bulk, every other message (an escalation level too) urgent. */
export const messagePriority = (message: { tenantId: string; campaignId?: string | null | undefined }) =>
  keyed(message.campaignId ? BULK : URGENT, message.tenantId);

/** A root's escalation: it decides when its levels go out, which is urgent whatever the root. */
export const escalationPriority = (tenantId: string) => keyed(URGENT, tenantId);

export const campaignPriority = (tenantId: string) => keyed(CAMPAIGN, tenantId);
