import type { EntityManager } from '@mikro-orm/postgresql';
import type { Channel } from '../channels/channel.entity.ts';
import type { TemplateToSend } from '../templates/template-channel.ts';
import type { Template } from '../templates/template.entity.ts';
import type { SendableContact, SendableTemplate } from './sendable.ts';
import { Message } from './message.entity.ts';
import { insertMessage, type MessageTableRow, type NewMessage } from './message-insert.ts';

// Scheduling's raw-SQL side: one read for everything validation needs, one statement for the write (through
// message-insert.ts). Raw SQL bypasses the ORM's tenant filter, so every table below is matched on `tenant_id` explicitly.

export interface ScheduleTemplate extends SendableTemplate {
  id: string;
  /** The number it was made for (its channel and that channel's WABA; the platform number: both null). */
  home: TemplateToSend['home'];
}

/** What validating one schedule request needs, each null when the tenant has no such row. */
export interface ScheduleInputs {
  template: ScheduleTemplate | null;
  contact: SendableContact | null;
  /** The channel named, else the tenant's default one. */
  channel: Pick<Channel, 'id' | 'name' | 'status' | 'wabaId'> | null;
  /** The policy with the homes of its levels' templates. */
  policy: { id: string; levelTemplates: TemplateToSend[] } | null;
  /** The message already stored under the idempotency key. */
  existing: Message | null;
}

export interface ScheduleLookup {
  templateId: string;
  contactId: string;
  channelId?: string | undefined;
  escalationPolicyId?: string | undefined;
  idempotencyKey: string;
}

/** The row as the entity MikroORM would have read, kept out of the identity map (callers want it as stored now). */
const messageFromRow = (em: EntityManager, row: MessageTableRow): Message => em.map(Message, row, { disableIdentityMap: true });

// The message's own columns come first and unprefixed; every other table's are aliased with a prefix no
// message column has, so the row's keys never collide.
const READ_SQL = `
  select m.*,
    t.id as t_id, t.status as t_status, t.category as t_category, t.content as t_content, t.variables as t_variables,
    t.channel_id as t_channel_id, tch.waba_id as t_waba_id,
    c.id as c_id, c.phone as c_phone, c.name as c_name, c.attributes as c_attributes,
    c.opted_out as c_opted_out, c.marketing_opted_out as c_marketing_opted_out,
    ch.id as ch_id, ch.name as ch_name, ch.status as ch_status, ch.waba_id as ch_waba_id,
    p.id as p_id,
    (select coalesce(jsonb_agg(jsonb_build_object('level', l.n, 'channelId', lt.channel_id, 'wabaId', ltc.waba_id) order by l.n), '[]'::jsonb)
       from jsonb_array_elements(p.levels) with ordinality as l(spec, n)
       join template lt on lt.tenant_id = p.tenant_id and lt.id = (l.spec->'notify'->>'templateId')::uuid
       left join channel ltc on ltc.tenant_id = lt.tenant_id and ltc.id = lt.channel_id) as p_level_templates
  from (values (1)) as one
  left join message m on m.tenant_id = ? and m.idempotency_key = ?
  left join template t on t.tenant_id = ? and t.id = ?
  left join channel tch on tch.tenant_id = t.tenant_id and tch.id = t.channel_id
  left join contact c on c.tenant_id = ? and c.id = ?
  left join channel ch on ch.tenant_id = ? and (case when ?::uuid is null then ch.is_default else ch.id = ? end)
  left join escalation_policy p on p.tenant_id = ? and p.id = ?`;

/** READ_SQL's one row: every column null where its table had no match. */
type ReadRow = Record<string, unknown> & {
  t_id: string | null;
  t_status: Template['status'];
  t_category: Template['category'];
  t_content: string;
  t_variables: string[];
  t_channel_id: string | null;
  t_waba_id: string | null;
  c_id: string | null;
  c_phone: string;
  c_name: string | null;
  c_attributes: Record<string, string>;
  c_opted_out: boolean;
  c_marketing_opted_out: boolean;
  ch_id: string | null;
  ch_name: string;
  ch_status: Channel['status'];
  ch_waba_id: string;
  p_id: string | null;
  p_level_templates: { level: number; channelId: string | null; wabaId: string | null }[] | null;
};

/** Reads, in one round trip and only within `tenantId`, every row that scheduling validates against. */
export async function readScheduleInputs(em: EntityManager, tenantId: string, asked: ScheduleLookup): Promise<ScheduleInputs> {
  const channelId = asked.channelId ?? null;
  const [row] = await em.execute<ReadRow[]>(READ_SQL, [
    tenantId, asked.idempotencyKey,
    tenantId, asked.templateId,
    tenantId, asked.contactId,
    tenantId, channelId, channelId,
    tenantId, asked.escalationPolicyId ?? null,
  ]);
  if (!row) throw new Error('the schedule read returned no row');
  const { t_id, t_status, t_category, t_content, t_variables, t_channel_id, t_waba_id, c_id, c_phone, c_name, c_attributes, c_opted_out,
    c_marketing_opted_out, ch_id, ch_name, ch_status, ch_waba_id, p_id, p_level_templates, ...message } = row;
  const home = { channelId: t_channel_id, wabaId: t_waba_id };
  return {
    template: t_id ? { id: t_id, status: t_status, category: t_category, content: t_content, variables: t_variables, home } : null,
    contact: c_id ? { phone: c_phone, name: c_name, attributes: c_attributes, optedOut: c_opted_out, marketingOptedOut: c_marketing_opted_out } : null,
    channel: ch_id ? { id: ch_id, name: ch_name, status: ch_status, wabaId: ch_waba_id } : null,
    policy: p_id
      ? {
          id: p_id,
          levelTemplates: (p_level_templates ?? []).map(({ level, channelId, wabaId }) => ({ level: Number(level), home: { channelId, wabaId } })),
        }
      : null,
    existing: message.id ? messageFromRow(em, message as MessageTableRow) : null,
  };
}

/** The message under an idempotency key, read fresh (another request may have just inserted it). */
export async function messageByKey(em: EntityManager, tenantId: string, idempotencyKey: string): Promise<Message | null> {
  const [row] = await em.execute<MessageTableRow[]>('select * from message where tenant_id = ? and idempotency_key = ?', [tenantId, idempotencyKey]);
  return row ? messageFromRow(em, row) : null;
}

/** Stores a new message; null when its idempotency key was taken meanwhile (nothing is then written). */
export async function insertScheduled(em: EntityManager, message: NewMessage): Promise<Message | null> {
  const inserted = await insertMessage(em, message, { source: 'API', detail: `due ${message.scheduleTime.toISOString()}` });
  return inserted ? messageFromRow(em, inserted) : null;
}
