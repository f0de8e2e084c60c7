import { z } from 'zod';
import { creditsOutput, formatCredits } from '../../shared/money.ts';
import { isoTimestamp } from '../../shared/schemas.ts';
import { text } from '../../shared/storable.ts';
import { CHARGE_STATES, type Message, type MessageStatusEvent } from './message.entity.ts';
import { MESSAGE_STATUSES } from './status-rules.ts';

/** Bounds on schedule `parameters`; a template parameter's value is limited to about 1,024 characters by Meta. */
const PARAMETER_LIMITS = { keys: 64, keyLength: 100, valueLength: 1024 } as const;

export const parametersInput = z
  .record(
    text().min(1).max(PARAMETER_LIMITS.keyLength, `a parameter name has at most ${PARAMETER_LIMITS.keyLength} characters`),
    text().max(PARAMETER_LIMITS.valueLength, `a parameter value has at most ${PARAMETER_LIMITS.valueLength} characters`),
  )
  .refine((parameters) => Object.keys(parameters).length <= PARAMETER_LIMITS.keys, {
    message: `at most ${PARAMETER_LIMITS.keys} parameters`,
    params: { reason: 'TOO_MANY_PARAMETERS' },
  })
  .meta({
    description:
      `Values for the template's variables, by variable name (at most ${PARAMETER_LIMITS.keys}, names up to ` +
      `${PARAMETER_LIMITS.keyLength} and values up to ${PARAMETER_LIMITS.valueLength} characters). ` +
      'Names that are not variables of the template are ignored and not stored.',
    example: { name: 'Alice' },
  });

const nullableTime = isoTimestamp.nullable();
const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export const messageOutput = z
  .object({
    id: z.uuid(),
    templateId: z.uuid(),
    contactId: z.uuid(),
    channelId: z.uuid().nullable().meta({ description: 'The channel it goes out on; null: the platform number' }),
    campaignId: z.uuid().nullable().meta({ description: 'The campaign it belongs to; null outside a campaign' }),
    fromPhoneNumberId: z.string().nullable().meta({ description: "Meta's phone number id it left from, once sent" }),
    idempotencyKey: z.string(),
    status: z.enum(MESSAGE_STATUSES),
    scheduleTime: isoTimestamp,
    parameters: z.record(z.string(), z.string()),
    cost: creditsOutput.nullable().meta({ description: 'Credits charged at dispatch (null before)' }),
    priceReason: z
      .enum(['FREE_SERVICE_WINDOW'])
      .nullable()
      .meta({ description: "Why it cost other than its category's price: FREE_SERVICE_WINDOW is a UTILITY template inside the contact's 24-hour window" }),
    chargeState: z.enum(CHARGE_STATES),
    providerMessageId: z.string().nullable().meta({ description: "WhatsApp's message id (wamid)" }),
    failureReason: z.string().nullable(),
    providerErrorCode: z.number().int().nullable(),
    sentAt: nullableTime,
    deliveredAt: nullableTime,
    readAt: nullableTime,
    failedAt: nullableTime,
    cancelledAt: nullableTime,
    acknowledgedAt: nullableTime,
    escalationOf: z
      .object({ messageId: z.uuid(), level: z.number().int() })
      .nullable()
      .meta({ description: 'For an escalation level message: its root message and level' }),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'Message' });

const statusEventOutput = z.object({
  status: z.string(),
  occurredAt: isoTimestamp,
  source: z.enum(['API', 'WORKFLOW', 'PROVIDER']),
  providerErrorCode: z.number().int().nullable(),
  detail: z.string().nullable(),
});

const escalationOutput = z
  .object({
    policyId: z.uuid(),
    state: z.enum(['PENDING', 'RESOLVED', 'EXHAUSTED', 'CANCELLED']),
    resolvedBy: z.enum(['DELIVERED', 'READ', 'REPLIED', 'ACKNOWLEDGED']).nullable(),
    detail: z
      .string()
      .nullable()
      .meta({ description: 'Why the escalation ended so, where its state does not say: e.g. CANCELLED because Herald refused the root before sending it' }),
    levels: z.array(
      z.object({
        level: z.number().int(),
        dueAt: nullableTime,
        state: z.enum(['WAITING', 'SENT', 'SKIPPED', 'CANCELLED']),
        messageId: z.uuid().nullable(),
        detail: z.string().nullable().meta({ description: 'Why a SKIPPED level could not go' }),
      }),
    ),
  })
  .meta({ id: 'Escalation' });

export const messageWithHistoryOutput = messageOutput
  .extend({
    history: z.array(statusEventOutput),
    escalation: escalationOutput.nullable().meta({ description: 'For a message scheduled with an escalation policy' }),
  })
  .meta({ id: 'MessageWithHistory' });

export const toMessageOutput = (message: Message): z.infer<typeof messageOutput> => ({
  id: message.id,
  templateId: message.templateId,
  contactId: message.contactId,
  channelId: message.channelId ?? null,
  campaignId: message.campaignId ?? null,
  fromPhoneNumberId: message.fromPhoneNumberId ?? null,
  idempotencyKey: message.idempotencyKey,
  status: message.status,
  scheduleTime: message.scheduleTime.toISOString(),
  parameters: message.parameters,
  cost: message.cost === null || message.cost === undefined ? null : formatCredits(BigInt(message.cost)),
  priceReason: (message.priceReason as 'FREE_SERVICE_WINDOW' | null | undefined) ?? null,
  chargeState: message.chargeState,
  providerMessageId: message.providerMessageId ?? null,
  failureReason: message.failureReason ?? null,
  providerErrorCode: message.providerErrorCode ?? null,
  sentAt: iso(message.sentAt),
  deliveredAt: iso(message.deliveredAt),
  readAt: iso(message.readAt),
  failedAt: iso(message.failedAt),
  cancelledAt: iso(message.cancelledAt),
  acknowledgedAt: iso(message.acknowledgedAt),
  escalationOf: message.escalationOf ? { messageId: message.escalationOf, level: message.escalationLevel ?? 0 } : null,
  createdAt: message.createdAt.toISOString(),
  updatedAt: message.updatedAt.toISOString(),
});

export const toMessageWithHistory = ({
  message,
  history,
  escalation,
}: {
  message: Message;
  history: MessageStatusEvent[];
  escalation: z.infer<typeof escalationOutput> | null;
}) => ({
  ...toMessageOutput(message),
  escalation,
  history: history.map((event) => ({
    status: event.status,
    occurredAt: event.occurredAt.toISOString(),
    source: event.source,
    providerErrorCode: event.providerErrorCode ?? null,
    detail: event.detail ?? null,
  })),
});
