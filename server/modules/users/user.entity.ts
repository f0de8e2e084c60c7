import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';

export const ROLES = ['SUPER_ADMIN', 'ADMIN', 'SUB_ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A person who signs in. SUPER_ADMIN has no tenant; every other role belongs to exactly one. Sign-in
 * looks users up across tenants, so it alone switches the tenant filter off, explicitly.
 */
export const User = defineEntity({
  name: 'User',
  tableName: 'app_user',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid().nullable(),
    email: p.string().length(254),
    passwordHash: p.text().hidden(),
    name: p.string().length(200),
    role: p.enum(ROLES),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type User = InferEntity<typeof User>;
