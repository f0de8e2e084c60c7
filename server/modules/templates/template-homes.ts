import type { EntityManager } from '@mikro-orm/postgresql';
import type { EscalationLevelSpec } from '../escalations/escalation-policy.entity.ts';
import { homeOf, refuseTemplatesOffChannel, type TemplateToSend } from './template-channel.ts';

/** What a campaign (or any send read through the ORM) would send: its template and its escalation policy's levels. */
export interface TemplatesToSend {
  templateId: string;
  policy?: { levels: EscalationLevelSpec[] } | undefined;
}

/**
 * Reads where each of the tenant's templates named was made (its channel and that channel's WABA) and refuses
 * (422 TEMPLATE_NOT_ON_CHANNEL) the first that may not go out from `channel` (none: the platform number).
 */
export async function refuseOffChannel(
  em: EntityManager,
  tenantId: string,
  sends: TemplatesToSend,
  channel: { id: string; wabaId: string } | null | undefined,
): Promise<void> {
  const named = [sends.templateId, ...(sends.policy?.levels ?? []).map((level) => level.notify.templateId)];
  const rows = await em.execute<{ id: string; channel_id: string | null; waba_id: string | null }[]>(
    `select t.id, t.channel_id, ch.waba_id from template t left join channel ch on ch.tenant_id = t.tenant_id and ch.id = t.channel_id
     where t.tenant_id = ? and t.id = any(?::uuid[])`,
    [tenantId, `{${[...new Set(named)].join(',')}}`],
  );
  const homes = new Map(rows.map((row) => [row.id.toLowerCase(), { channelId: row.channel_id, wabaId: row.waba_id }]));
  const templates: TemplateToSend[] = named.flatMap((id, level) => {
    const home = homes.get(id.toLowerCase());
    return home ? [{ home, level }] : [];
  });
  refuseTemplatesOffChannel(templates, homeOf(channel));
}
