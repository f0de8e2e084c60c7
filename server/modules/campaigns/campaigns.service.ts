import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { AppError } from '../../shared/errors.ts';
import { formatCredits, units, type Units } from '../../shared/money.ts';
import { channelForSchedule } from '../channels/channels.service.ts';
import { policyForSchedule } from '../escalations/escalation.service.ts';
import { Message } from '../messages/message.entity.ts';
import { refuseBeyondAYear } from '../messages/schedule.service.ts';
import type { MessageStatus } from '../messages/status-rules.ts';
import { refuseOffChannel } from '../templates/template-homes.ts';
import { Template, type TemplateCategory } from '../templates/template.entity.ts';
import { writeAudience } from './campaign-audience.ts';
import { pageProgress } from './campaign-page-progress.ts';
import { Campaign } from './campaign.entity.ts';
import type { CampaignProgress, CreateCampaignInput } from './campaign.schema.ts';

const sorted = (record: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(record ?? {}).sort(([a], [b]) => a.localeCompare(b)));

/** Stripe's rule, as for messages: the same key with the same body is the same request (hashed canonically). */
function requestHash(input: CreateCampaignInput): string {
  const audience =
    'contactIds' in input.audience
      ? { contactIds: [...new Set(input.audience.contactIds)].sort() }
      : { filter: { search: input.audience.filter.search?.trim() ?? '', attributes: sorted(input.audience.filter.attributes) } };
  const canonical = JSON.stringify([
    input.name,
    input.templateId,
    input.channelId ?? null,
    input.scheduleTime.toISOString(),
    sorted(input.parameters),
    input.escalationPolicyId ?? null,
    audience,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

const findByKey = (em: EntityManager, tenantId: string, idempotencyKey: string) =>
  em.fork().findOne(Campaign, { tenantId, idempotencyKey }, { filters: false });

function replayOf(existing: Campaign, hash: string): Campaign {
  if (existing.requestHash !== hash) {
    throw new AppError('CONFLICT', 'This idempotencyKey was already used with a different request', { reason: 'IDEMPOTENCY_KEY_REUSED' });
  }
  return existing;
}

/** What a tenant's new campaign is held to: its prices, and how many of its campaigns may be active at once. */
export interface CampaignRules {
  prices: Record<TemplateCategory, Units>;
  /** CAMPAIGNS_MAX_ACTIVE: campaigns SCHEDULED, RUNNING or PAUSED at once. */
  maxActive: number;
}

/**
 * Takes turns between one tenant's campaign creations until the transaction ends, so a count of its active
 * campaigns stays true until the new one is stored. An advisory lock, not the tenant's row: its debits go on.
 */
const lockTenantCampaigns = (tx: EntityManager, tenantId: string) =>
  tx.execute("select pg_advisory_xact_lock(hashtextextended('campaign-create:' || ?, 0))", [tenantId]);

async function refuseBeyondActiveCap(tx: EntityManager, tenantId: string, maxActive: number) {
  const [row] = await tx.execute<{ active: number }[]>(
    "select count(*)::int as active from campaign where tenant_id = ? and status in ('SCHEDULED', 'RUNNING', 'PAUSED')",
    [tenantId],
  );
  if ((row?.active ?? 0) < maxActive) return;
  throw new AppError('UNPROCESSABLE_CONTENT', `At most ${maxActive} campaigns may be scheduled, running or paused at once`, {
    reason: 'TOO_MANY_ACTIVE_CAMPAIGNS',
  });
}

/** A campaign that the balance cannot pay for as it stands is refused; each message is still checked at dispatch. */
async function refuseBeyondBalance(tx: EntityManager, tenantId: string, estimatedCost: Units) {
  const [row] = await tx.execute<{ balance: string }[]>('select balance::text as balance from tenant where id = ?', [tenantId]);
  const balance = units(row?.balance ?? 0);
  if (estimatedCost <= balance) return;
  throw new AppError(
    'UNPROCESSABLE_CONTENT',
    `Insufficient funds: the campaign's estimated cost is ${formatCredits(estimatedCost)}, the balance ${formatCredits(balance)}`,
    { reason: 'INSUFFICIENT_FUNDS' },
  );
}

/**
 * Stores a campaign and its audience in one transaction: a few statements whatever the audience's size.
 * The template, channel and escalation policy must be the tenant's own (422); the estimated cost must be within
 * the balance and the tenant below its active campaigns' cap (422). Its workflow is started by the caller.
 */
export async function storeCampaign(
  em: EntityManager,
  rules: CampaignRules,
  tenantId: string,
  input: CreateCampaignInput,
  now = new Date(),
): Promise<{ campaign: Campaign; replayed: boolean }> {
  refuseBeyondAYear(input.scheduleTime, now);
  const hash = requestHash(input);
  const existing = await findByKey(em, tenantId, input.idempotencyKey);
  if (existing) return { campaign: replayOf(existing, hash), replayed: true };

  const template = await em.findOne(Template, { id: input.templateId });
  if (!template) throw new AppError('UNPROCESSABLE_CONTENT', 'No such template in this tenant', { reason: 'TEMPLATE_NOT_FOUND' });
  if (template.status !== 'APPROVED') {
    throw new AppError('UNPROCESSABLE_CONTENT', `The template is ${template.status}, not APPROVED`, { reason: 'TEMPLATE_NOT_APPROVED' });
  }
  const channel = await channelForSchedule(em, input.channelId);
  const policy = input.escalationPolicyId ? await policyForSchedule(em, input.escalationPolicyId) : undefined;
  await refuseOffChannel(em, tenantId, { templateId: template.id, policy }, channel);
  // Only the template's variables are kept, as for a single message.
  const parameters = Object.fromEntries(Object.entries(input.parameters ?? {}).filter(([name]) => template.variables.includes(name)));

  const id = randomUUID();
  const stored = await em.transactional(async (tx) => {
    await lockTenantCampaigns(tx, tenantId);
    // The same request that held the lock before this one is replayed below, even at the cap.
    if (await tx.findOne(Campaign, { tenantId, idempotencyKey: input.idempotencyKey }, { filters: false })) return false;
    await refuseBeyondActiveCap(tx, tenantId, rules.maxActive);
    const inserted = await tx.execute<{ id: string }[]>(
      `insert into campaign (id, tenant_id, name, template_id, channel_id, escalation_policy_id, schedule_time, parameters, idempotency_key,
         request_hash, audience_size, excluded_opted_out, excluded_invalid, estimated_cost, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, 0, 0, 0, 0, ?, ?)
       on conflict (tenant_id, idempotency_key) do nothing returning id`,
      [id, tenantId, input.name, template.id, channel?.id ?? null, policy?.id ?? null, input.scheduleTime, JSON.stringify(parameters),
        input.idempotencyKey, hash, now, now],
    );
    if (inserted.length === 0) return false;
    const audience = await writeAudience(tx, { id, tenantId }, template, parameters, input.audience);
    const estimatedCost = units(rules.prices[template.category] * BigInt(audience.recipients));
    await refuseBeyondBalance(tx, tenantId, estimatedCost);
    await tx.execute(
      'update campaign set audience_size = ?, excluded_opted_out = ?, excluded_invalid = ?, estimated_cost = ? where id = ?',
      [audience.recipients, audience.optedOut, audience.invalid, estimatedCost, id],
      'run',
    );
    return true;
  });
  // Two identical requests raced: the unique key let one insert; the other replays it.
  if (!stored) return { campaign: replayOf((await findByKey(em, tenantId, input.idempotencyKey))!, hash), replayed: true };
  return { campaign: await em.fork().findOneOrFail(Campaign, { id, tenantId }, { filters: false }), replayed: false };
}

/** A campaign of the caller's tenant (the tenant filter scopes it), read afresh. */
export async function getCampaign(em: EntityManager, id: string): Promise<Campaign> {
  const campaign = await em.fork().findOne(Campaign, { id });
  if (!campaign) throw new AppError('NOT_FOUND', 'No such campaign', { reason: 'CAMPAIGN_NOT_FOUND' });
  return campaign;
}

export function listCampaigns(em: EntityManager, options: PageOptions) {
  return findPage(em, Campaign, {}, options);
}

/** The campaign's messages, oldest first, optionally of one status (a 404 for another tenant's campaign). */
export async function listCampaignMessages(em: EntityManager, id: string, options: PageOptions & { status?: MessageStatus | undefined }) {
  await getCampaign(em, id);
  return findPage(em, Message, { campaignId: id, ...(options.status ? { status: options.status } : {}) }, options);
}

/**
 * Live counts per status and the money moved, in one aggregate query over the campaign's messages: the list's
 * page query for a page of one, so a campaign and its line in GET /campaigns cannot disagree.
 */
export async function campaignProgress(em: EntityManager, campaign: Campaign): Promise<CampaignProgress> {
  return (await pageProgress(em, [campaign])).get(campaign.id)!;
}
