import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, messageNotFound } from '../../shared/errors.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { insertMessage } from '../messages/message-insert.ts';
import { refuseUnsendable } from '../messages/sendable.ts';
import type { MessageStatus } from '../messages/status-rules.ts';
import { Template } from '../templates/template.entity.ts';
import { durationMs } from './durations.ts';
import { EscalationPolicy, type EscalationCondition, type EscalationLevelSpec } from './escalation-policy.entity.ts';
import { decideEscalation, type EscalationDecision, type LevelState } from './escalation-rules.ts';

// The escalation of a root message, decided in the database: each step locks the root row, reads what the
// root has reached, and in the same transaction resolves the escalation, cancels it, or creates the due
// level's message. A READ arriving in the same instant as a level's timer is ordered by that lock: either the
// step sees it (RESOLVED) or it commits after the level was created (the level stands). Never both.

export type EscalationState = 'PENDING' | 'RESOLVED' | 'EXHAUSTED' | 'CANCELLED';

/** The policy named in a schedule body: the tenant's own (422 otherwise, as any unknown id in a body). */
export async function policyForSchedule(em: EntityManager, policyId: string) {
  return foundPolicy(await em.findOne(EscalationPolicy, { id: policyId }));
}

/** policyForSchedule's refusal on a policy already read (an entity or a plain row). */
export function foundPolicy<P>(policy: P | null | undefined): P {
  if (!policy) throw new AppError('UNPROCESSABLE_CONTENT', 'No such escalation policy in this tenant', { reason: 'ESCALATION_POLICY_NOT_FOUND' });
  return policy;
}

interface RootRow {
  tenant_id: string;
  contact_id: string;
  channel_id: string | null;
  status: MessageStatus;
  schedule_time: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
  failure_reason: string | null;
  acknowledged_at: Date | null;
  escalation_state: EscalationState | null;
  levels: EscalationLevelSpec[] | null;
  replied: boolean;
}

interface LevelRow {
  level: number;
  state: LevelState;
  due_at: Date | null;
  message_id: string | null;
}

/** A level message created by a step: its workflow is started once the step has committed. */
export interface StartedLevel {
  id: string;
  tenantId: string;
  workflowId: string;
  scheduleTime: Date;
  channelId: string | null;
}

export interface EscalationStep {
  /** Nothing is left to decide: the escalation is RESOLVED, EXHAUSTED or CANCELLED (or there is none). */
  done: boolean;
  /** When to look again without being woken (ISO 8601); null: only when woken. */
  wakeAt: string | null;
  state: EscalationState | null;
  started: StartedLevel[];
}

/**
 * The root, locked, with what it has reached. A reply is an inbound message from its contact on its channel
 * after it was sent (Meta stamps messages to the second, so the same second counts).
 */
async function lockRoot(tx: EntityManager, rootId: string): Promise<RootRow | undefined> {
  const [root] = await tx.execute<RootRow[]>(
    `select m.tenant_id, m.contact_id, m.channel_id, m.status, m.schedule_time, m.sent_at, m.delivered_at, m.read_at, m.failed_at,
       m.failure_reason, m.acknowledged_at, m.escalation_state, p.levels,
       (m.sent_at is not null and exists (
         select 1 from inbound_message i
         where i.tenant_id = m.tenant_id and i.contact_id = m.contact_id and i.channel_id is not distinct from m.channel_id
           and i.received_at >= date_trunc('second', m.sent_at))) as replied
     from message m left join escalation_policy p on p.id = m.escalation_policy_id
     where m.id = ? for no key update of m`,
    [rootId],
  );
  return root;
}

async function finish(tx: EntityManager, rootId: string, state: EscalationState, resolvedBy: EscalationCondition | null, detail: string | null = null) {
  await tx.execute(
    'update message set escalation_state = ?, escalation_resolved_by = ?, escalation_detail = ?, updated_at = now() where id = ?',
    [state, resolvedBy, detail, rootId],
    'run',
  );
  await tx.execute(
    "update escalation_level set state = 'CANCELLED', decided_at = now() where root_message_id = ? and state = 'WAITING'",
    [rootId],
    'run',
  );
}

/** Creates the level's message (an ordinary message, unique per root and level), or records why it cannot go. */
async function fireLevel(tx: EntityManager, root: RootRow, rootId: string, level: number, spec: EscalationLevelSpec, dueAt: Date) {
  const template = await tx.findOne(Template, { id: spec.notify.templateId, tenantId: root.tenant_id }, { filters: false });
  const contact = await tx.findOne(Contact, { id: spec.notify.contactId, tenantId: root.tenant_id }, { filters: false });
  const parameters = spec.notify.parameters ?? {};
  try {
    refuseUnsendable(template, contact, parameters);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // Recorded as such; the escalation moves on when the next level falls due.
    await tx.execute(
      "update escalation_level set state = 'SKIPPED', due_at = ?, detail = ?, decided_at = now() where root_message_id = ? and level = ?",
      [dueAt, `${error.reason ?? error.code}: ${error.message}`.slice(0, 500), rootId, level],
      'run',
    );
    return undefined;
  }
  const id = randomUUID();
  const key = `escalation:${rootId}:${level}`;
  const now = new Date();
  const created = await insertMessage(
    tx,
    {
      id,
      tenantId: root.tenant_id,
      templateId: template.id,
      contactId: spec.notify.contactId,
      idempotencyKey: key,
      requestHash: createHash('sha256').update(key).digest('hex'),
      parameters,
      scheduleTime: now,
      channelId: root.channel_id,
      escalationOf: { rootId, level },
      createdAt: now,
    },
    { source: 'WORKFLOW', detail: `escalation level ${level} of ${rootId}` },
  );
  // A retried step finds the level's message it created before.
  const [message] = created
    ? [created]
    : await tx.execute<{ id: string }[]>('select id from message where escalation_of = ? and escalation_level = ?', [rootId, level]);
  await tx.execute(
    "update escalation_level set state = 'SENT', due_at = ?, message_id = ?, decided_at = now() where root_message_id = ? and level = ?",
    [dueAt, message!.id, rootId, level],
    'run',
  );
  return created
    ? { id, tenantId: root.tenant_id, workflowId: created.workflow_id, scheduleTime: now, channelId: root.channel_id }
    : undefined;
}

async function storeDueTimes(tx: EntityManager, rootId: string, dueAts: Map<number, Date>) {
  for (const [level, dueAt] of dueAts) {
    await tx.execute("update escalation_level set due_at = ? where root_message_id = ? and level = ? and state = 'WAITING'", [dueAt, rootId, level], 'run');
  }
}

/**
 * One step of a root's escalation: decide (escalation-rules.ts) and act, under the root's row lock. Fires
 * every level that is due now, in order; returns when to look again. `asOf` is the workflow's time.
 */
export async function escalationStep(em: EntityManager, rootId: string, asOf?: Date): Promise<EscalationStep> {
  return em.transactional(async (tx) => {
    const root = await lockRoot(tx, rootId);
    if (!root || root.escalation_state === null) return { done: true, wakeAt: null, state: null, started: [] };
    if (root.escalation_state !== 'PENDING') return { done: true, wakeAt: null, state: root.escalation_state, started: [] };
    const specs = root.levels ?? [];
    const started: StartedLevel[] = [];
    for (;;) {
      const rows = await tx.execute<LevelRow[]>(
        'select level, state, due_at, message_id from escalation_level where root_message_id = ? order by level',
        [rootId],
      );
      const decision: EscalationDecision = decideEscalation({
        rootStatus: root.status,
        scheduleTime: new Date(root.schedule_time),
        sentAt: root.sent_at ? new Date(root.sent_at) : null,
        failedAt: root.failed_at ? new Date(root.failed_at) : null,
        failureReason: root.failure_reason,
        evidence: {
          delivered: root.delivered_at !== null,
          read: root.read_at !== null,
          replied: root.replied,
          acknowledged: root.acknowledged_at !== null,
        },
        levels: rows.map((row) => {
          const spec = specs[row.level - 1];
          return {
            level: row.level,
            state: row.state,
            dueAt: row.due_at ? new Date(row.due_at) : null,
            afterMs: spec ? Number(durationMs(spec.after)) : 0,
            unless: spec?.unless ?? 'ACKNOWLEDGED',
          };
        }),
        // The later of this clock and the workflow's: a level whose timer fired is due, even when the clocks differ a little.
        now: new Date(Math.max(Date.now(), asOf?.getTime() ?? 0)),
      });
      switch (decision.kind) {
        case 'cancel':
          await finish(tx, rootId, 'CANCELLED', null, decision.detail ?? null);
          return { done: true, wakeAt: null, state: 'CANCELLED', started };
        case 'resolve':
          await finish(tx, rootId, 'RESOLVED', decision.by);
          return { done: true, wakeAt: null, state: 'RESOLVED', started };
        case 'exhausted':
          await finish(tx, rootId, 'EXHAUSTED', null);
          return { done: true, wakeAt: null, state: 'EXHAUSTED', started };
        case 'wait':
          await storeDueTimes(tx, rootId, decision.dueAts);
          return { done: false, wakeAt: decision.until?.toISOString() ?? null, state: 'PENDING', started };
        case 'fire': {
          await storeDueTimes(tx, rootId, decision.dueAts);
          const level = await fireLevel(tx, root, rootId, decision.level, specs[decision.level - 1]!, decision.dueAts.get(decision.level)!);
          if (level) started.push(level);
          continue; // the next level may be due too (a long outage), or this was the last
        }
      }
    }
  });
}

/** `POST /messages/{id}/acknowledge`: someone has handled it; a pending escalation stops at its next step. */
export async function acknowledgeMessage(em: EntityManager, tenantId: string, id: string): Promise<{ escalating: boolean }> {
  const rows = await em.execute<{ escalation_state: EscalationState | null }[]>(
    'update message set acknowledged_at = coalesce(acknowledged_at, now()), updated_at = now() where id = ? and tenant_id = ? returning escalation_state',
    [id, tenantId],
  );
  if (!rows[0]) throw messageNotFound();
  return { escalating: rows[0].escalation_state === 'PENDING' };
}

export interface EscalationView {
  policyId: string;
  state: EscalationState;
  resolvedBy: EscalationCondition | null;
  /** Why it ended as it did, where the state alone does not say (a root Herald refused before sending it). */
  detail: string | null;
  levels: { level: number; dueAt: string | null; state: LevelState; messageId: string | null; detail: string | null }[];
}

/** What `GET /messages/{id}` shows of a root's escalation. */
export async function escalationView(em: EntityManager, message: { id: string; escalationPolicyId?: string | null; escalationState?: string | null; escalationResolvedBy?: string | null }): Promise<EscalationView | null> {
  if (!message.escalationPolicyId || !message.escalationState) return null;
  const rows = await em.execute<(LevelRow & { detail: string | null })[]>(
    'select level, state, due_at, message_id, detail from escalation_level where root_message_id = ? order by level',
    [message.id],
  );
  const [root] = await em.execute<{ escalation_detail: string | null }[]>('select escalation_detail from message where id = ?', [message.id]);
  return {
    policyId: message.escalationPolicyId,
    state: message.escalationState as EscalationState,
    resolvedBy: (message.escalationResolvedBy as EscalationCondition | null) ?? null,
    detail: root?.escalation_detail ?? null,
    levels: rows.map((row) => ({
      level: row.level,
      dueAt: row.due_at ? new Date(row.due_at).toISOString() : null,
      state: row.state,
      messageId: row.message_id,
      detail: row.detail,
    })),
  };
}

/** Roots with a pending escalation sent to these contacts: a reply from one of them may resolve it. */
export async function pendingRootsOf(em: EntityManager, contactIds: string[]): Promise<string[]> {
  if (contactIds.length === 0) return [];
  const rows = await em.execute<{ id: string }[]>(
    "select id from message where contact_id = any(?::uuid[]) and escalation_state = 'PENDING'",
    [`{${contactIds.join(',')}}`],
  );
  return rows.map((row) => row.id);
}
