import type { EntityManager } from '@mikro-orm/postgresql';
import { insertMessagesSql, type FirstEvent } from '../messages/message-insert.ts';
import type { MessageToStart } from '../messages/ports.ts';
import type { CampaignStatus } from './campaign.entity.ts';

// The campaign workflow's database steps. Each is idempotent: a retried or replayed step finds its own
// earlier work (the unique (campaign_id, contact_id) of message, the hold's primary key) and adds nothing.

export interface CampaignBatch {
  /** The highest recipient number in this batch (the cursor of the next one). */
  lastSeq: number;
  /** False once there are no more recipients, or the campaign was cancelled. */
  more: boolean;
  /** This batch's messages whose workflows have not been started yet. */
  toStart: MessageToStart[];
}

/**
 * The common table expressions that turn the recipients `b` (contact_id, a fresh id) of campaign `c` into its
 * messages (message-insert.ts); `created` holds the new rows. A SCHEDULED message is one that will get its
 * workflow; a CANCELLED one (a campaign cancelled before it reached the recipient) never does.
 */
const insertCampaignMessages = (status: FirstEvent['status'], detail: string) =>
  insertMessagesSql(
    {
      columns: {
        id: 'b.id',
        tenant_id: 'c.tenant_id',
        template_id: 'c.template_id',
        contact_id: 'b.contact_id',
        idempotency_key: "'campaign:' || c.id || ':' || b.contact_id",
        request_hash: 'c.request_hash',
        parameters: 'c.parameters',
        schedule_time: 'c.schedule_time',
        channel_id: 'c.channel_id',
        escalation_policy_id: 'c.escalation_policy_id',
        campaign_id: 'c.id',
        // Milliseconds, as JavaScript's dates: the list's keyset cursor compares them exactly.
        created_at: "date_trunc('milliseconds', now())",
      },
      from: 'b cross join c',
    },
    { status, source: 'API', detail },
  );

/**
 * Turns the next `size` recipients after `afterSeq` into messages in one INSERT … SELECT (with their SCHEDULED
 * event and escalation levels), unless the campaign is cancelled: the share lock on its row orders this against
 * a cancel, which then finds these messages, or runs first and leaves nothing to create. With `notWhilePaused`
 * a paused campaign gets no messages either (and has `more`): a campaign's messages come into being just in time.
 */
export async function createCampaignBatch(
  em: EntityManager,
  campaignId: string,
  afterSeq: number,
  size: number,
  options: { notWhilePaused?: boolean } = {},
): Promise<CampaignBatch> {
  return em.transactional(async (tx) => {
    const [row] = await tx.execute<{ last_seq: number | null; batch: number; open: boolean; paused: boolean }[]>(
      `with c as (
         select * from campaign where id = ? and status in ('SCHEDULED', 'RUNNING', 'PAUSED') for share
       ), b as (
         select r.seq, r.contact_id, gen_random_uuid() as id from campaign_recipient r join c on r.campaign_id = c.id
         where r.seq > ? and not (? and c.status = 'PAUSED') order by r.seq limit ?
       ), ${insertCampaignMessages('SCHEDULED', "'campaign ' || created.campaign_id")}
       select (select max(seq) from b) as last_seq, (select count(*)::int from b) as batch, exists (select 1 from c) as open,
         exists (select 1 from c where c.status = 'PAUSED') as paused`,
      [campaignId, afterSeq, options.notWhilePaused ?? false, size],
    );
    const lastSeq = row?.last_seq ?? afterSeq;
    // Also the messages an earlier attempt of this batch created but did not start.
    const unstarted = await tx.execute<{ id: string; tenant_id: string; workflow_id: string; schedule_time: Date; channel_id: string | null; escalation_policy_id: string | null }[]>(
      `select m.id, m.tenant_id, m.workflow_id, m.schedule_time, m.channel_id, m.escalation_policy_id
       from campaign_recipient r join message m on m.campaign_id = r.campaign_id and m.contact_id = r.contact_id
       where r.campaign_id = ? and r.seq > ? and r.seq <= ? and not m.workflow_started and m.status <> 'CANCELLED'`,
      [campaignId, afterSeq, lastSeq],
    );
    return {
      lastSeq,
      more: Boolean(row?.open) && ((row?.batch ?? 0) === size || (Boolean(options.notWhilePaused) && Boolean(row?.paused))),
      toStart: unstarted.map((m) => ({
        id: m.id,
        tenantId: m.tenant_id,
        workflowId: m.workflow_id,
        scheduleTime: new Date(m.schedule_time),
        channelId: m.channel_id,
        escalationPolicyId: m.escalation_policy_id,
        campaignId,
      })),
    };
  });
}

/** Notes that these messages' workflows exist (the reconciler then leaves them alone). */
export async function markWorkflowsStarted(em: EntityManager, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  await em.execute('update message set workflow_started = true where id = any(?::uuid[]) and not workflow_started', [`{${messageIds.join(',')}}`], 'run');
}

export interface CampaignStep {
  status: CampaignStatus;
  /** Due messages waiting at the gate of this campaign. */
  held: number;
  /** Until its schedule time, by the database's clock (0 once due). */
  dueInMs: number;
  /** How many messages to create now: a bite of its number's sends, within what its window has room for. */
  room: number;
}

/** Seconds of its number's sends a campaign keeps ready as created messages (a few polls' worth). */
const WINDOW_SECONDS = 30;
/** The window of the slowest numbers: enough messages that one poll's wait never leaves the number idle. */
const WINDOW_FLOOR = 100;
/** Seconds of sends created at one look (two polls' worth): creation keeps ahead of the number without a burst. */
const BITE_SECONDS = 6;

/**
 * How many of a campaign's messages may exist at once without having been dispatched: about 30 s of its
 * number's sends. A campaign for later therefore costs nothing until shortly before its time, and one that
 * is running books its number's send slots at most that far ahead.
 */
export const campaignWindow = (ratePerSecond: number) => Math.max(WINDOW_FLOOR, Math.ceil(ratePerSecond * WINDOW_SECONDS));

/**
 * Moves the campaign on: SCHEDULED becomes RUNNING at its schedule time; RUNNING becomes COMPLETED once every
 * recipient has a message and none of them still waits for dispatch (dispatched, failed or cancelled).
 * `platformRatePerSecond` is the send rate of the platform number, for a campaign that sends from it.
 */
export async function campaignStep(em: EntityManager, campaignId: string, platformRatePerSecond: number): Promise<CampaignStep> {
  await em.execute(
    "update campaign set status = 'RUNNING', updated_at = now() where id = ? and status = 'SCHEDULED' and schedule_time <= now()",
    [campaignId],
    'run',
  );
  await em.execute(
    `update campaign c set status = 'COMPLETED', completed_at = now(), updated_at = now()
     where c.id = ? and c.status = 'RUNNING'
       and (select count(*) from message m where m.campaign_id = c.id) >= c.audience_size
       and not exists (select 1 from message m where m.campaign_id = c.id and m.status = 'SCHEDULED')`,
    [campaignId],
    'run',
  );
  const [row] = await em.execute<{ status: CampaignStatus; held: number; due_in_ms: number; rate: number; waiting: number }[]>(
    `select c.status, (select count(*)::int from campaign_hold h where h.campaign_id = c.id) as held,
       greatest(0, ceil(extract(epoch from c.schedule_time - now()) * 1000))::int as due_in_ms,
       greatest(coalesce(ch.rate_limit_per_second, ?), 1) as rate,
       (select count(*)::int from message m where m.campaign_id = c.id and m.status = 'SCHEDULED') as waiting
     from campaign c left join channel ch on ch.id = c.channel_id where c.id = ?`,
    [platformRatePerSecond, campaignId],
  );
  if (!row) throw new Error(`campaign ${campaignId} not found`);
  const rate = Number(row.rate);
  const room = Math.max(0, Math.min(campaignWindow(rate) - row.waiting, Math.max(WINDOW_FLOOR, Math.ceil(rate * BITE_SECONDS))));
  return { status: row.status, held: row.held, dueInMs: Number(row.due_in_ms), room };
}

export type GateAnswer = 'OPEN' | 'HELD' | 'CANCELLED';

/**
 * A due campaign message asks whether it may go on. A paused campaign holds it: the hold is written under a
 * share lock of the campaign's row, so a resume (which updates that row) either comes first and the message
 * passes, or commits after the hold and wakes it.
 */
export async function passCampaignGate(em: EntityManager, messageId: string): Promise<GateAnswer> {
  const look = async (tx: EntityManager, lock: boolean) =>
    (
      await tx.execute<{ status: string; campaign_id: string; campaign_status: CampaignStatus }[]>(
        `select m.status, m.campaign_id, c.status as campaign_status from message m join campaign c on c.id = m.campaign_id
         where m.id = ?${lock ? ' for share of c' : ''}`,
        [messageId],
      )
    )[0];
  const seen = await look(em, false);
  if (!seen) return 'OPEN';
  if (seen.status === 'CANCELLED') return 'CANCELLED';
  if (seen.campaign_status !== 'PAUSED') return 'OPEN';
  return em.transactional(async (tx) => {
    const locked = (await look(tx, true))!;
    if (locked.status === 'CANCELLED') return 'CANCELLED';
    if (locked.campaign_status !== 'PAUSED') return 'OPEN';
    await tx.execute('insert into campaign_hold (campaign_id, message_id) values (?, ?) on conflict do nothing', [locked.campaign_id, messageId], 'run');
    return 'HELD';
  });
}

/** Up to `limit` held messages of a campaign that is no longer paused (none while it is). */
export function heldMessages(em: EntityManager, campaignId: string, limit: number) {
  return em.execute<{ message_id: string; workflow_id: string }[]>(
    `select h.message_id, m.workflow_id from campaign_hold h join message m on m.id = h.message_id join campaign c on c.id = h.campaign_id
     where h.campaign_id = ? and c.status <> 'PAUSED' order by h.message_id limit ?`,
    [campaignId, limit],
  );
}

export async function dropHolds(em: EntityManager, campaignId: string, messageIds: string[]): Promise<void> {
  await em.execute('delete from campaign_hold where campaign_id = ? and message_id = any(?::uuid[])', [campaignId, `{${messageIds.join(',')}}`], 'run');
}

/** The next page (by id) of a cancelled campaign's cancelled messages whose workflows were started. */
export function cancelledMessages(em: EntityManager, campaignId: string, afterId: string | null, limit: number) {
  return em.execute<{ id: string; workflow_id: string; escalation_policy_id: string | null }[]>(
    `select id, workflow_id, escalation_policy_id from message where campaign_id = ? and status = 'CANCELLED' and workflow_started and id > coalesce(?::uuid, '00000000-0000-0000-0000-000000000000')
     order by id limit ?`,
    [campaignId, afterId, limit],
  );
}

/**
 * A cancel's part for the recipients the campaign never reached (their messages were due to come just in time):
 * each gets its message now, CANCELLED, with no workflow ever, so the campaign's messages list shows the same
 * recipients that its CANCELLED count does. Messages created but whose workflow never started (a crash in the
 * middle of a batch) are closed the same way. Runs in the cancel's transaction, after the campaign's row is
 * CANCELLED; returns how many messages it added.
 */
export async function cancelUnreached(tx: EntityManager, campaignId: string): Promise<number> {
  await tx.execute(
    `with closed as (
       update message set escalation_state = 'CANCELLED', updated_at = now()
       where campaign_id = ? and status = 'CANCELLED' and not workflow_started and escalation_state = 'PENDING' returning id
     )
     update escalation_level set state = 'CANCELLED', decided_at = now() where root_message_id in (select id from closed) and state = 'WAITING'`,
    [campaignId],
    'run',
  );
  const [row] = await tx.execute<{ added: number }[]>(
    `with c as (
       select * from campaign where id = ?
     ), b as (
       select r.contact_id, gen_random_uuid() as id from campaign_recipient r
       where r.campaign_id = ? and not exists (select 1 from message m where m.campaign_id = r.campaign_id and m.contact_id = r.contact_id)
     ), ${insertCampaignMessages('CANCELLED', "'campaign ' || created.campaign_id || ' cancelled before this message was due'")}
     select count(*)::int as added from created`,
    [campaignId, campaignId],
  );
  return row?.added ?? 0;
}
