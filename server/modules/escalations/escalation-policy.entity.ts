import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';

export const ESCALATION_CONDITIONS = ['DELIVERED', 'READ', 'REPLIED', 'ACKNOWLEDGED'] as const;
export type EscalationCondition = (typeof ESCALATION_CONDITIONS)[number];

/** One level of a policy: when it falls due, unless the root has reached `unless`, `notify` gets a message. */
export interface EscalationLevelSpec {
  /** ISO 8601 duration, counted from the previous level's due time (level 1: from the root's sending). */
  after: string;
  unless: EscalationCondition;
  notify: { contactId: string; templateId: string; parameters?: Record<string, string> | undefined };
}

/** A tenant's ordered list of 1-10 escalation levels. */
export const EscalationPolicy = defineEntity({
  name: 'EscalationPolicy',
  tableName: 'escalation_policy',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.string().length(100),
    levels: p.json<EscalationLevelSpec[]>(),
    createdAt: p.datetime(),
  },
});
export type EscalationPolicy = InferEntity<typeof EscalationPolicy>;
