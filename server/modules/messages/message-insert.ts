import type { EntityManager } from '@mikro-orm/postgresql';
import { messageWorkflowIdSql } from '../../../workflows/shared.ts';
import { statusEvents } from '../../metrics.ts';
import type { EventSource } from './status-history.ts';

// The one way a message comes into being, whoever creates it (scheduling, a campaign's batch, an escalation's
// level): its row, its first status event and, when it has an escalation policy, one row per level, in one
// statement, so all of them commit or none does. The events' and levels' foreign keys to the new rows are
// checked at the statement's end, when the rows exist. Raw SQL bypasses the tenant filter: every join below
// matches on `tenant_id`.

/** What a source supplies of each new message, with the column's SQL type; the other columns follow from these. */
const SOURCE_COLUMNS = {
  id: 'uuid',
  tenant_id: 'uuid',
  template_id: 'uuid',
  contact_id: 'uuid',
  idempotency_key: 'text',
  request_hash: 'text',
  parameters: 'jsonb',
  schedule_time: 'timestamptz',
  channel_id: 'uuid',
  escalation_policy_id: 'uuid',
  escalation_of: 'uuid',
  escalation_level: 'smallint',
  campaign_id: 'uuid',
  created_at: 'timestamptz',
} as const;

type SourceColumn = keyof typeof SOURCE_COLUMNS;

const SOURCE_NAMES = Object.keys(SOURCE_COLUMNS) as SourceColumn[];

/** New messages as SQL: an expression per column (an absent one is null), over `from` (absent: one row). */
export interface MessageSource {
  columns: Partial<Record<SourceColumn, string>>;
  from?: string;
}

export interface FirstEvent {
  /**
   * SCHEDULED: the message will get its workflow. CANCELLED: it never does (a campaign cancelled before it
   * reached the recipient), and its escalation is over before it began.
   */
  status: 'SCHEDULED' | 'CANCELLED';
  source: EventSource;
  /** The event's detail: SQL over `created`, the new row. */
  detail: string;
}

/**
 * The common table expressions that insert messages from `source`, for the caller's `with … select`: `created`
 * holds the new rows (every column). A row that would take a unique key already taken (an idempotency key,
 * a campaign's contact, an escalation's root and level) is skipped with its event and levels: a retry adds nothing.
 */
export function insertMessagesSql(source: MessageSource, first: FirstEvent): string {
  const cancelled = first.status === 'CANCELLED';
  const values = SOURCE_NAMES.map((name) => `(${source.columns[name] ?? 'null'})::${SOURCE_COLUMNS[name]}`).join(', ');
  const names = SOURCE_NAMES.join(', ');
  return `created as (
      insert into message (${names}, workflow_id, status, escalation_state, cancelled_at, updated_at)
      select ${SOURCE_NAMES.map((name) => `r.${name}`).join(', ')}, ${messageWorkflowIdSql('r.id')}, '${first.status}',
        case when r.escalation_policy_id is null then null else '${cancelled ? 'CANCELLED' : 'PENDING'}' end,
        ${cancelled ? 'now()' : 'null'}, r.created_at
      from (select ${values}${source.from ? ` from ${source.from}` : ''}) as r (${names})
      on conflict do nothing
      returning *
    ), events as (
      insert into message_status_event (id, message_id, status, occurred_at, source, detail, recorded_at)
      select gen_random_uuid(), created.id, '${first.status}', created.created_at, '${first.source}', ${first.detail}, now() from created
    ), levels as (
      insert into escalation_level (root_message_id, level, state, decided_at)
      select created.id, level, '${cancelled ? 'CANCELLED' : 'WAITING'}', ${cancelled ? 'now()' : 'null'}
      from created join escalation_policy p on p.tenant_id = created.tenant_id and p.id = created.escalation_policy_id,
        generate_series(1, jsonb_array_length(p.levels)) as level
    )`;
}

/** One new message, as TypeScript has it. */
export interface NewMessage {
  id: string;
  tenantId: string;
  templateId: string;
  contactId: string;
  idempotencyKey: string;
  requestHash: string;
  parameters: Record<string, string>;
  scheduleTime: Date;
  channelId: string | null;
  /** Its escalation policy: the message then escalates, one WAITING level per level of the policy. */
  escalationPolicyId?: string | null;
  /** The level of another message's escalation that this message is. */
  escalationOf?: { rootId: string; level: number };
  createdAt: Date;
}

/** A `message` row as raw SQL returns it: its column names. */
export type MessageTableRow = Record<string, unknown> & { id: string; workflow_id: string };

/**
 * Inserts one SCHEDULED message with its event (from `event.source`, saying `event.detail`) and its escalation
 * levels; null when one of its unique keys was taken meanwhile (nothing is then written).
 */
export async function insertMessage(em: EntityManager, message: NewMessage, event: { source: EventSource; detail: string }): Promise<MessageTableRow | null> {
  const values: Record<SourceColumn, unknown> = {
    id: message.id,
    tenant_id: message.tenantId,
    template_id: message.templateId,
    contact_id: message.contactId,
    idempotency_key: message.idempotencyKey,
    request_hash: message.requestHash,
    parameters: JSON.stringify(message.parameters),
    schedule_time: message.scheduleTime,
    channel_id: message.channelId,
    escalation_policy_id: message.escalationPolicyId ?? null,
    escalation_of: message.escalationOf?.rootId ?? null,
    escalation_level: message.escalationOf?.level ?? null,
    campaign_id: null,
    created_at: message.createdAt,
  };
  const source = { columns: Object.fromEntries(SOURCE_NAMES.map((name) => [name, '?'])) };
  const [inserted] = await em.execute<MessageTableRow[]>(
    `with ${insertMessagesSql(source, { status: 'SCHEDULED', source: event.source, detail: '?' })} select * from created`,
    [...SOURCE_NAMES.map((name) => values[name]), event.detail],
  );
  if (!inserted) return null;
  statusEvents.inc({ status: 'SCHEDULED', source: event.source });
  return inserted;
}
