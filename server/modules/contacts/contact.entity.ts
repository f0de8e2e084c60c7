import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';

/** A recipient of a tenant, phone in E.164; unique per tenant. */
export const Contact = defineEntity({
  name: 'Contact',
  tableName: 'contact',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    phone: p.string().length(16),
    name: p.string().length(200).nullable(),
    attributes: p.json<Record<string, string>>().default('{}'),
    optedOut: p.boolean().default(false),
    /** Out of marketing messages only (Meta's error 131050); `optedOut` is out of everything. */
    marketingOptedOut: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Contact = InferEntity<typeof Contact>;
