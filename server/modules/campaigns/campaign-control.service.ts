import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import type { Campaign, CampaignStatus } from './campaign.entity.ts';
import { cancelUnreached } from './campaign-run.service.ts';
import { getCampaign } from './campaigns.service.ts';

// Pause, resume and cancel: each one guarded UPDATE of the campaign row (its row lock orders it against the
// gate's holds and the workflow's batches). The campaign's workflow is told afterwards by the caller.

export type CampaignAction = 'pause' | 'resume' | 'cancel';

/** Which states allow which action; anything else is a 409. */
const ALLOWED: Record<CampaignAction, readonly CampaignStatus[]> = {
  pause: ['SCHEDULED', 'RUNNING'],
  resume: ['PAUSED'],
  cancel: ['SCHEDULED', 'RUNNING', 'PAUSED'],
};

const refused = (action: CampaignAction, status: string) =>
  new AppError('CONFLICT', `A ${status} campaign cannot be ${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'cancelled'}`, {
    reason: 'CAMPAIGN_STATE_CONFLICT',
  });

const sqlList = (statuses: readonly string[]) => statuses.map((status) => `'${status}'`).join(', ');

const SET: Record<CampaignAction, string> = {
  pause: "status = 'PAUSED'",
  // Back to SCHEDULED when its time has not come yet: the workflow makes it RUNNING then.
  resume: "status = case when schedule_time <= now() then 'RUNNING' else 'SCHEDULED' end",
  cancel: "status = 'CANCELLED', cancelled_at = now()",
};

/**
 * Applies an action to a campaign of the caller's tenant. A cancel also cancels, in the same transaction,
 * every message not yet dispatched (still SCHEDULED), and gives each recipient the campaign had not reached
 * yet its CANCELLED message (no workflow); dispatched ones go on with their lifecycle.
 */
export async function controlCampaign(em: EntityManager, id: string, action: CampaignAction): Promise<Campaign> {
  const campaign = await getCampaign(em, id);
  const changed = await em.transactional(async (tx) => {
    const rows = await tx.execute<{ id: string }[]>(
      `update campaign set ${SET[action]}, updated_at = now() where id = ? and tenant_id = ? and status in (${sqlList(ALLOWED[action])}) returning id`,
      [campaign.id, campaign.tenantId],
    );
    if (rows.length === 0) return false;
    if (action === 'cancel') {
      await tx.execute(
        `update message set status = 'CANCELLED', cancelled_at = coalesce(cancelled_at, now()), updated_at = now()
         where campaign_id = ? and status = 'SCHEDULED'`,
        [campaign.id],
        'run',
      );
      await cancelUnreached(tx, campaign.id);
    }
    return true;
  });
  const now = await getCampaign(em, id);
  if (!changed) throw refused(action, now.status);
  return now;
}
