import type { EntityManager } from '@mikro-orm/postgresql';
import type { CampaignWorkflows } from './ports.ts';

/**
 * Starts the workflows of stored campaigns that have none (their API process died between storing the
 * campaign and starting its workflow). Idempotent: the workflow id derives from the campaign id.
 */
export async function startMissingCampaignWorkflows(em: EntityManager, workflows: CampaignWorkflows, olderThanMs = 5_000): Promise<number> {
  const stale = await em.execute<{ id: string; tenant_id: string }[]>(
    `select id, tenant_id from campaign where not workflow_started and created_at < clock_timestamp() - ? * interval '1 millisecond'
     order by created_at limit 100`,
    [olderThanMs],
  );
  for (const campaign of stale) {
    await workflows.start({ id: campaign.id, tenantId: campaign.tenant_id });
    await em.execute('update campaign set workflow_started = true where id = ?', [campaign.id], 'run');
  }
  return stale.length;
}
