import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';

export const CAMPAIGN_STATUSES = ['SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** One template to a fixed audience; its messages are ordinary messages that carry its id. */
export const Campaign = defineEntity({
  name: 'Campaign',
  tableName: 'campaign',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.string().length(200),
    status: p.enum(CAMPAIGN_STATUSES),
    templateId: p.uuid(),
    channelId: p.uuid().nullable(),
    escalationPolicyId: p.uuid().nullable(),
    scheduleTime: p.datetime(),
    parameters: p.json<Record<string, string>>(),
    idempotencyKey: p.string().length(255),
    requestHash: p.string().length(64),
    audienceSize: p.integer(),
    excludedOptedOut: p.integer(),
    excludedInvalid: p.integer(),
    estimatedCost: p.bigint('bigint'),
    workflowStarted: p.boolean(),
    completedAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Campaign = InferEntity<typeof Campaign>;
