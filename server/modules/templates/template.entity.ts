import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';

export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
export const TEMPLATE_STATUSES = ['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED'] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];
export const TEMPLATE_QUALITIES = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] as const;
export type TemplateQuality = (typeof TEMPLATE_QUALITIES)[number];

/** A WhatsApp message template registered with Meta; unique per tenant, name and language. */
export const Template = defineEntity({
  name: 'Template',
  tableName: 'template',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.string().length(512),
    language: p.string().length(15),
    category: p.enum(TEMPLATE_CATEGORIES),
    status: p.enum(TEMPLATE_STATUSES),
    content: p.text(),
    variables: p.json<string[]>(),
    metaTemplateId: p.string().length(128).nullable(),
    quality: p.enum(TEMPLATE_QUALITIES).default('UNKNOWN'),
    rejectedReason: p.string().length(256).nullable(),
    /** The channel it was registered for (null: the platform number). */
    channelId: p.uuid().nullable(),
    /** The WABA Meta keeps it under; null when the caller's status stands (Meta's webhooks and the sync skip it). */
    wabaId: p.string().length(64).nullable(),
    /** When Meta's state last reached it (webhook, look-up or sync). */
    metaSyncedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Template = InferEntity<typeof Template>;
