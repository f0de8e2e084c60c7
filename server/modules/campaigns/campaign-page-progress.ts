import type { EntityManager } from '@mikro-orm/postgresql';
import { MESSAGE_STATUSES, type MessageStatus } from '../messages/status-rules.ts';
import type { Campaign } from './campaign.entity.ts';
import type { CampaignProgress } from './campaign.schema.ts';

// The live counts of a page of campaigns in one aggregate query: GET /campaigns, and GET /campaigns/{id} as a page
// of one (campaignProgress), so the two cannot disagree.

interface CountRow {
  campaign_id: string;
  status: MessageStatus;
  count: number;
  charged: string;
  refunded: string;
}

/** One campaign's rows as its progress; recipients whose message is not created yet count as SCHEDULED, or CANCELLED once it is. */
function progressOf(campaign: Campaign, rows: CountRow[]): CampaignProgress {
  const counts = Object.fromEntries(MESSAGE_STATUSES.map((status) => [status, 0])) as Record<MessageStatus, number>;
  let charged = 0n;
  let refunded = 0n;
  let created = 0;
  for (const row of rows) {
    counts[row.status] = row.count;
    created += row.count;
    charged += BigInt(row.charged);
    refunded += BigInt(row.refunded);
  }
  counts[campaign.status === 'CANCELLED' ? 'CANCELLED' : 'SCHEDULED'] += Math.max(0, campaign.audienceSize - created);
  return { counts, charged, refunded };
}

/** The progress of each campaign of the page, by id. */
export async function pageProgress(em: EntityManager, campaigns: Campaign[]): Promise<Map<string, CampaignProgress>> {
  const rows =
    campaigns.length === 0
      ? []
      : await em.execute<CountRow[]>(
          `select campaign_id, status, count(*)::int as count,
             coalesce(sum(cost) filter (where charge_state in ('CHARGED', 'REFUNDED')), 0)::text as charged,
             coalesce(sum(cost) filter (where charge_state = 'REFUNDED'), 0)::text as refunded
           from message where campaign_id = any(?::uuid[]) group by campaign_id, status`,
          [`{${campaigns.map((campaign) => campaign.id).join(',')}}`],
        );
  return new Map(campaigns.map((campaign) => [campaign.id, progressOf(campaign, rows.filter((row) => row.campaign_id === campaign.id))]));
}
