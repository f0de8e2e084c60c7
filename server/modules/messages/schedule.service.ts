import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { messageWorkflowId } from '../../../workflows/shared.ts';
import { AppError } from '../../shared/errors.ts';
import { channelForSchedule } from '../channels/channels.service.ts';
import { addEscalationLevels, policyForSchedule } from '../escalations/escalation.service.ts';
import type { MessageToStart, MessageWorkflows } from '../../temporal/message-workflows.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { Template } from '../templates/template.entity.ts';
import { refuseUnsendable } from './sendable.ts';
import { recordEvent } from './status-history.ts';
import { Message } from './message.entity.ts';

export interface ScheduleRequest {
  templateId: string;
  contactId: string;
  scheduleTime: Date;
  idempotencyKey: string;
  parameters: Record<string, string>;
  /** The tenant's channel to send from; absent: its default channel, else the platform number. */
  channelId?: string | undefined;
  /** The tenant's escalation policy to follow if nobody reads the message. */
  escalationPolicyId?: string | undefined;
}

const YEAR_MS = 366 * 24 * 3600 * 1000;

/** Scheduling (and rescheduling) more than a year ahead is refused. */
export function refuseBeyondAYear(scheduleTime: Date, now = new Date()): void {
  if (scheduleTime.getTime() > now.getTime() + YEAR_MS) {
    throw new AppError('BAD_REQUEST', 'scheduleTime may be at most one year ahead', { reason: 'SCHEDULE_TOO_FAR' });
  }
}

/** Stripe's rule: the same key with the same body is the same request. The body is hashed canonically. */
function requestHash(request: ScheduleRequest): string {
  const parameters = Object.fromEntries(Object.entries(request.parameters).sort(([a], [b]) => a.localeCompare(b)));
  // The channel joins the hash only when named, so requests from before channels existed hash as they did.
  const canonical = JSON.stringify([
    request.templateId,
    request.contactId,
    request.scheduleTime.toISOString(),
    parameters,
    ...(request.channelId ? [request.channelId] : []),
    ...(request.escalationPolicyId ? [{ escalationPolicyId: request.escalationPolicyId }] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function onlyVariables(parameters: Record<string, string>, variables: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters).filter(([name]) => variables.includes(name)));
}

/** Read fresh (another request may have just inserted it), by the caller's tenant explicitly. */
function findByKey(em: EntityManager, tenantId: string, idempotencyKey: string) {
  return em.fork().findOne(Message, { tenantId, idempotencyKey }, { filters: false });
}

function replayOf(existing: Message, hash: string): Message {
  if (existing.requestHash !== hash) {
    throw new AppError('CONFLICT', 'This idempotencyKey was already used with a different request', { reason: 'IDEMPOTENCY_KEY_REUSED' });
  }
  return existing;
}

/**
 * Step one of scheduling: validate and store the message row (status SCHEDULED, no workflow yet).
 * `em` is the caller's tenant-scoped EntityManager. Returns the stored or the replayed message.
 */
export async function storeMessage(em: EntityManager, tenantId: string, asked: ScheduleRequest, now = new Date()) {
  refuseBeyondAYear(asked.scheduleTime, now);
  const template = await em.findOne(Template, { id: asked.templateId });
  // Only the template's variables are stored and hashed: other names would be dead weight in every read,
  // and a replay that differs only in them is the same request.
  const request = { ...asked, parameters: template ? onlyVariables(asked.parameters, template.variables) : {} };
  // A time in the past means "now"; it is stored as given, so a replay hashes the same.
  const hash = requestHash(request);
  const existing = await findByKey(em, tenantId, request.idempotencyKey);
  if (existing) return { message: replayOf(existing, hash), replayed: true };

  const contact = await em.findOne(Contact, { id: request.contactId });
  refuseUnsendable(template, contact, request.parameters);
  const channel = await channelForSchedule(em, request.channelId);
  const escalation = request.escalationPolicyId ? await policyForSchedule(em, request.escalationPolicyId) : undefined;

  const id = randomUUID();
  const inserted = await em.transactional(async (tx) => {
    const rows = await tx.execute<{ id: string }[]>(
      `insert into message (id, tenant_id, template_id, contact_id, idempotency_key, request_hash, parameters, schedule_time,
         workflow_id, channel_id, escalation_policy_id, escalation_state, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)
       on conflict (tenant_id, idempotency_key) do nothing returning id`,
      [id, tenantId, template.id, request.contactId, request.idempotencyKey, hash, JSON.stringify(request.parameters), request.scheduleTime,
        messageWorkflowId(id), channel?.id ?? null, escalation?.id ?? null, escalation ? 'PENDING' : null, now, now],
    );
    if (rows[0]) await recordEvent(tx, id, 'SCHEDULED', 'API', { detail: `due ${request.scheduleTime.toISOString()}` });
    if (rows[0] && escalation) await addEscalationLevels(tx, id, escalation.levels.length);
    return rows.length > 0;
  });
  // Two identical requests raced: the unique key let one insert; the other replays it.
  if (!inserted) return { message: replayOf((await findByKey(em, tenantId, request.idempotencyKey))!, hash), replayed: true };
  return { message: await em.fork().findOneOrFail(Message, { id, tenantId }, { filters: false }), replayed: false };
}

/** Step two: start the message's workflow (idempotent) and note that it has one. */
export async function startMessageWorkflow(em: EntityManager, workflows: MessageWorkflows, message: MessageToStart): Promise<void> {
  await workflows.start(message);
  await em.execute('update message set workflow_started = true where id = ? and workflow_started = false', [message.id], 'run');
}

/** Schedules a message: store the row, then start its workflow. A crash between the two is healed by the reconciler. */
export async function scheduleMessage(em: EntityManager, workflows: MessageWorkflows, tenantId: string, request: ScheduleRequest) {
  const stored = await storeMessage(em, tenantId, request);
  if (!stored.message.workflowStarted) await startMessageWorkflow(em, workflows, stored.message);
  return stored;
}
