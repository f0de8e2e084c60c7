import { z } from 'zod';
import { creditsOutput, formatCredits } from '../../shared/money.ts';
import { isoTimestamp } from '../../shared/schemas.ts';
import { dateTimeInput, text } from '../../shared/storable.ts';
import { parametersInput } from '../messages/message.schema.ts';
import { MESSAGE_STATUSES, type MessageStatus } from '../messages/status-rules.ts';
import { CAMPAIGN_STATUSES, type Campaign } from './campaign.entity.ts';

/** The largest audience a campaign takes. */
export const MAX_AUDIENCE = 100_000;

const attributesFilter = z
  .record(text().min(1).max(64), text().max(1024))
  .refine((attributes) => Object.keys(attributes).length <= 32, { message: 'at most 32 attributes' })
  .meta({ description: "Contacts whose attributes hold every one of these values (equality)", example: { city: 'NY' } });

const audienceInput = z
  .union([
    z.strictObject({ contactIds: z.array(z.uuid()).min(1).max(MAX_AUDIENCE).meta({ description: "The tenant's contacts, by id" }) }),
    z.strictObject({
      filter: z.strictObject({
        search: text().trim().max(200).optional().meta({ description: 'As GET /contacts: in the name, or the digits of the phone' }),
        attributes: attributesFilter.optional(),
      }),
    }),
  ])
  .meta({ description: 'Fixed at creation: explicit contactIds, or a filter over the contacts (at most 100,000 contacts)' });

export const createCampaignInput = z.strictObject({
  name: text().trim().min(1).max(200).meta({ example: 'December newsletter' }),
  templateId: z.uuid(),
  channelId: z.uuid().optional().meta({ description: "The tenant's channel to send from; default: its default channel, else the platform number" }),
  scheduleTime: dateTimeInput('2026-12-01T09:00:00Z'),
  idempotencyKey: text().trim().min(1).max(255).meta({ example: 'december-newsletter' }),
  parameters: parametersInput.optional(),
  escalationPolicyId: z.uuid().optional().meta({ description: "The tenant's escalation policy, followed for each message" }),
  audience: audienceInput,
});
export type CreateCampaignInput = z.infer<typeof createCampaignInput>;

const countsOutput = z.object(Object.fromEntries(MESSAGE_STATUSES.map((status) => [status, z.number().int()])) as Record<MessageStatus, z.ZodNumber>);
export type CampaignCounts = Record<MessageStatus, number>;

export const campaignOutput = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    templateId: z.uuid(),
    channelId: z.uuid().nullable(),
    escalationPolicyId: z.uuid().nullable(),
    scheduleTime: isoTimestamp,
    parameters: z.record(z.string(), z.string()),
    audienceSize: z.number().int().meta({ description: 'Contacts that get a message (the excluded are not in it)' }),
    excluded: z.object({
      optedOut: z.number().int().meta({ description: "Opted out (of everything, or of marketing for a MARKETING template)" }),
      invalid: z.number().int().meta({ description: "The template's variables cannot be filled, or no such contact in the tenant" }),
    }),
    estimatedCost: creditsOutput.meta({ description: "audienceSize × the template category's price; funds are checked per message at dispatch" }),
    counts: countsOutput.meta({ description: 'Messages per status; recipients whose message is not created yet count as SCHEDULED' }),
    charged: creditsOutput.meta({ description: 'Credits debited for its messages so far' }),
    refunded: creditsOutput.meta({ description: 'Credits given back for its failed messages so far' }),
    createdAt: isoTimestamp,
    completedAt: isoTimestamp.nullable(),
    cancelledAt: isoTimestamp.nullable(),
  })
  .meta({ id: 'Campaign' });

export interface CampaignProgress {
  counts: CampaignCounts;
  charged: bigint;
  refunded: bigint;
}

export const toCampaignOutput = (campaign: Campaign, progress: CampaignProgress): z.infer<typeof campaignOutput> => ({
  id: campaign.id,
  name: campaign.name,
  status: campaign.status,
  templateId: campaign.templateId,
  channelId: campaign.channelId ?? null,
  escalationPolicyId: campaign.escalationPolicyId ?? null,
  scheduleTime: campaign.scheduleTime.toISOString(),
  parameters: campaign.parameters,
  audienceSize: campaign.audienceSize,
  excluded: { optedOut: campaign.excludedOptedOut, invalid: campaign.excludedInvalid },
  estimatedCost: formatCredits(BigInt(campaign.estimatedCost)),
  counts: progress.counts,
  charged: formatCredits(progress.charged),
  refunded: formatCredits(progress.refunded),
  createdAt: campaign.createdAt.toISOString(),
  completedAt: campaign.completedAt ? campaign.completedAt.toISOString() : null,
  cancelledAt: campaign.cancelledAt ? campaign.cancelledAt.toISOString() : null,
});
