import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';
import { MESSAGE_STATUSES } from './status-rules.ts';

export const CHARGE_STATES = ['NONE', 'CHARGED', 'REFUNDED'] as const;
export type ChargeState = (typeof CHARGE_STATES)[number];

/** One scheduled template message to one contact, driven by its own workflow. */
export const Message = defineEntity({
  name: 'Message',
  tableName: 'message',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    templateId: p.uuid(),
    contactId: p.uuid(),
    /** null: sent from the platform number (WHATSAPP_*). */
    channelId: p.uuid().nullable(),
    idempotencyKey: p.string().length(255),
    requestHash: p.string().length(64),
    parameters: p.json<Record<string, string>>(),
    scheduleTime: p.datetime(),
    status: p.enum(MESSAGE_STATUSES),
    chargeState: p.enum(CHARGE_STATES),
    cost: p.bigint('bigint').nullable(),
    category: p.string().length(16).nullable(),
    /** Why it cost other than its category's price (FREE_SERVICE_WINDOW), decided at dispatch. */
    priceReason: p.string().length(32).nullable(),
    /** Meta's `pricing.billable` from its statuses; false once any status said so (the evidence for a refund). */
    providerBillable: p.boolean().nullable(),
    bodyParameters: p.json<string[]>().nullable(),
    providerMessageId: p.string().length(128).nullable(),
    /** The business number it left from, stored with its wamid. */
    fromPhoneNumberId: p.string().length(64).nullable(),
    failureReason: p.string().length(64).nullable(),
    providerErrorCode: p.integer().nullable(),
    failureDetail: p.string().length(500).nullable(),
    escalationPolicyId: p.uuid().nullable(),
    escalationState: p.string().length(16).nullable(),
    escalationResolvedBy: p.string().length(16).nullable(),
    acknowledgedAt: p.datetime().nullable(),
    /** A level message: the root it escalates, and which level. */
    escalationOf: p.uuid().nullable(),
    escalationLevel: p.integer().nullable(),
    /** The campaign it belongs to (at most one message per campaign and contact). */
    campaignId: p.uuid().nullable(),
    workflowId: p.string().length(64),
    workflowStarted: p.boolean(),
    sentAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    readAt: p.datetime().nullable(),
    failedAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Message = InferEntity<typeof Message>;

/** What happened to a message and when: its status history (provider statuses recorded once each). */
export const MessageStatusEvent = defineEntity({
  name: 'MessageStatusEvent',
  tableName: 'message_status_event',
  properties: {
    id: p.uuid().primary(),
    messageId: p.uuid(),
    status: p.string().length(16),
    occurredAt: p.datetime(),
    source: p.enum(['API', 'WORKFLOW', 'PROVIDER'] as const),
    providerErrorCode: p.integer().nullable(),
    detail: p.string().length(500).nullable(),
    recordedAt: p.datetime(),
  },
});
export type MessageStatusEvent = InferEntity<typeof MessageStatusEvent>;
