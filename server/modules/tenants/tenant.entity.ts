import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A business using Herald. `balance` is in 1/10,000 credit and only billing's locked SQL changes it. */
export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenant',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    slug: p.string().length(63).unique(),
    balance: p.bigint('bigint').default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Tenant = InferEntity<typeof Tenant>;
