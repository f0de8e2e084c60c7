import { z } from 'zod';
import { page, pageInput } from '../../shared/schemas.ts';
import { authedProcedure } from '../../trpc/init.ts';
import type { Context } from '../../trpc/context.ts';
import { messageOutput, toMessageOutput } from '../messages/message.schema.ts';
import { MESSAGE_STATUSES } from '../messages/status-rules.ts';
import { controlCampaign, type CampaignAction } from './campaign-control.service.ts';
import type { Campaign } from './campaign.entity.ts';
import { pageProgress } from './campaign-page-progress.ts';
import { campaignOutput, createCampaignInput, toCampaignOutput } from './campaign.schema.ts';
import { campaignProgress, getCampaign, listCampaignMessages, listCampaigns, storeCampaign } from './campaigns.service.ts';

const campaignId = z.strictObject({ id: z.uuid() });
type Ctx = Context & { em: Parameters<typeof getCampaign>[0] };

const withProgress = async (ctx: Ctx, campaign: Campaign) => toCampaignOutput(campaign, await campaignProgress(ctx.em, campaign));

export const createCampaignProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'POST',
      path: '/campaigns',
      tags: ['campaigns'],
      summary: 'Send one template to many contacts',
      description:
        'The audience (contactIds, or a filter over the contacts; at most 100,000) is fixed now: opted-out contacts and ' +
        'contacts whose variables cannot be filled are excluded and counted. Each contact gets at most one message, at scheduleTime, ' +
        "paced by the channel's rateLimitPerSecond; funds are checked per message at dispatch. The template, channel and escalation " +
        "policy must be the tenant's own (422). An estimatedCost above the balance is a 422 INSUFFICIENT_FUNDS; at most " +
        'CAMPAIGNS_MAX_ACTIVE (default 5) campaigns of a tenant may be SCHEDULED, RUNNING or PAUSED at once (one more: 422 ' +
        'TOO_MANY_ACTIVE_CAMPAIGNS). The same idempotencyKey with the same body returns the same campaign (200, also at the cap); ' +
        'with a different body it is a 409.',
      protect: true,
      successDescription: 'Created (a replay answers 200 with the same campaign)',
    },
    errorStatuses: [409, 422],
    successStatus: 201,
    replayable: true,
  })
  .input(createCampaignInput)
  .output(campaignOutput)
  .mutation(async ({ ctx, input }) => {
    const { prices, CAMPAIGNS_MAX_ACTIVE } = ctx.services.config;
    const { campaign, replayed } = await storeCampaign(ctx.em, { prices, maxActive: CAMPAIGNS_MAX_ACTIVE }, ctx.principal.tenantId!, input);
    // Started on every call until noted: a crash between storing and starting is healed by the replay.
    if (!campaign.workflowStarted) {
      await ctx.services.campaignWorkflows.start(campaign);
      await ctx.em.execute('update campaign set workflow_started = true where id = ?', [campaign.id], 'run');
    }
    if (replayed) ctx.response.replayed = true;
    return withProgress(ctx, campaign);
  });

export const listCampaignsProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/campaigns', tags: ['campaigns'], summary: "List the tenant's campaigns", protect: true },
  })
  .input(z.strictObject({ ...pageInput }))
  .output(page(campaignOutput))
  .query(async ({ ctx, input }) => {
    const result = await listCampaigns(ctx.em, input);
    const progress = await pageProgress(ctx.em, result.items);
    return { items: result.items.map((campaign) => toCampaignOutput(campaign, progress.get(campaign.id)!)), nextCursor: result.nextCursor };
  });

export const getCampaignProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/campaigns/{id}', tags: ['campaigns'], summary: 'Read a campaign with live counts per status and its money', protect: true },
  })
  .input(campaignId)
  .output(campaignOutput)
  .query(async ({ ctx, input }) => withProgress(ctx, await getCampaign(ctx.em, input.id)));

export const campaignMessagesProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/campaigns/{id}/messages', tags: ['campaigns'], summary: "List a campaign's messages", protect: true },
  })
  .input(z.strictObject({ id: z.uuid(), ...pageInput, status: z.enum(MESSAGE_STATUSES).optional() }))
  .output(page(messageOutput))
  .query(async ({ ctx, input }) => {
    const result = await listCampaignMessages(ctx.em, input.id, input);
    return { items: result.items.map(toMessageOutput), nextCursor: result.nextCursor };
  });

const SUMMARIES: Record<CampaignAction, { summary: string; description: string }> = {
  pause: { summary: 'Pause a campaign', description: 'From SCHEDULED or RUNNING: due messages wait (no debit, no send) until it is resumed; 409 otherwise.' },
  resume: { summary: 'Resume a paused campaign', description: 'From PAUSED: the waiting messages go on; 409 otherwise.' },
  cancel: {
    summary: 'Cancel a campaign',
    description: 'From SCHEDULED, RUNNING or PAUSED: every message not yet dispatched is CANCELLED (dispatched ones go on); 409 otherwise.',
  },
};

const controlProcedure = (action: CampaignAction) =>
  authedProcedure
    .meta({
      roles: ['ADMIN'],
      openapi: { method: 'POST', path: `/campaigns/{id}/${action}`, tags: ['campaigns'], protect: true, ...SUMMARIES[action] },
      errorStatuses: [409],
    })
    .input(campaignId)
    .output(campaignOutput)
    .mutation(async ({ ctx, input }) => {
      const campaign = await controlCampaign(ctx.em, input.id, action);
      await ctx.services.campaignWorkflows.changed(campaign.id);
      return withProgress(ctx, campaign);
    });

export const pauseCampaignProcedure = controlProcedure('pause');
export const resumeCampaignProcedure = controlProcedure('resume');
export const cancelCampaignProcedure = controlProcedure('cancel');
