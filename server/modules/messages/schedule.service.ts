import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import { usableChannel } from '../channels/channels.service.ts';
import { foundPolicy } from '../escalations/escalation.service.ts';
import { homeOf, refuseTemplatesOffChannel } from '../templates/template-channel.ts';
import type { MessageToStart, MessageWorkflows } from './ports.ts';
import { refuseUnsendable } from './sendable.ts';
import { insertScheduled, messageByKey, readScheduleInputs } from './schedule-rows.ts';
import type { Message } from './message.entity.ts';

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

function replayOf(existing: Message, hash: string): Message {
  if (existing.requestHash !== hash) {
    throw new AppError('CONFLICT', 'This idempotencyKey was already used with a different request', { reason: 'IDEMPOTENCY_KEY_REUSED' });
  }
  return existing;
}

/**
 * Step one of scheduling: validate and store the message row (status SCHEDULED, no workflow yet), reading
 * and writing only within `tenantId`, the caller's tenant. Returns the stored or the replayed message.
 */
export async function storeMessage(em: EntityManager, tenantId: string, asked: ScheduleRequest, now = new Date()) {
  refuseBeyondAYear(asked.scheduleTime, now);
  const { template, contact, channel: found, policy, existing } = await readScheduleInputs(em, tenantId, asked);
  // Only the template's variables are stored and hashed: other names would be dead weight in every read,
  // and a replay that differs only in them is the same request.
  const request = { ...asked, parameters: template ? onlyVariables(asked.parameters, template.variables) : {} };
  // A time in the past means "now"; it is stored as given, so a replay hashes the same.
  const hash = requestHash(request);
  if (existing) return { message: replayOf(existing, hash), replayed: true };

  refuseUnsendable(template, contact, request.parameters);
  const channel = usableChannel(request.channelId, found);
  const escalation = request.escalationPolicyId ? foundPolicy(policy) : undefined;
  // The message's template and its escalation levels' (sent from the same number) must be the sending WABA's.
  refuseTemplatesOffChannel([{ home: template.home, level: 0 }, ...(escalation?.levelTemplates ?? [])], homeOf(channel));

  const inserted = await insertScheduled(em, {
    id: randomUUID(),
    tenantId,
    templateId: template.id,
    contactId: request.contactId,
    idempotencyKey: request.idempotencyKey,
    requestHash: hash,
    parameters: request.parameters,
    scheduleTime: request.scheduleTime,
    channelId: channel?.id ?? null,
    escalationPolicyId: escalation?.id ?? null,
    createdAt: now,
  });
  // Two identical requests raced: the unique key let one insert; the other replays it.
  if (!inserted) return { message: replayOf((await messageByKey(em, tenantId, request.idempotencyKey))!, hash), replayed: true };
  return { message: inserted, replayed: false };
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
