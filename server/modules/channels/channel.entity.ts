import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';

export const CHANNEL_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];

/** Meta's default throughput per business phone number, in messages per second. */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 80;

/** One WhatsApp business phone number of a tenant; its access token is stored sealed (token-box.ts). */
export const Channel = defineEntity({
  name: 'Channel',
  tableName: 'channel',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.string().length(100),
    wabaId: p.string().length(64),
    phoneNumberId: p.string().length(64),
    displayPhoneNumber: p.string().length(32).nullable(),
    status: p.enum(CHANNEL_STATUSES).default('ACTIVE'),
    isDefault: p.boolean().default(false),
    rateLimitPerSecond: p.integer().default(DEFAULT_RATE_LIMIT_PER_SECOND),
    /** Never leaves the server: not in any output schema, and logged nowhere. */
    accessTokenSealed: p.text().lazy(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Channel = InferEntity<typeof Channel>;
