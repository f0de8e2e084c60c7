// Who a message to the shared platform number belongs to. Every tenant sends from that one number, so a writer's
// phone alone names no tenant: another tenant may know the same person and must not read their replies to
// someone else, nor change their consent to someone else. Storing the message, a STOP/START, the 24-hour
// service window and an escalation's REPLIED all follow from the one row this rule lets through.

/** How long after a tenant's message reached a phone an unquoted reply from it is still that tenant's. */
export const REPLY_OWNERSHIP_MS = 30 * 24 * 3600 * 1000;

/** Meta stamps a message to the second: a message Herald sent within the reply's second may precede it. */
const META_STAMP_MS = 1000;

/** The facts the rule decides on, as one query reads them (inbound.service.ts). */
export interface ReplyFacts {
  /** Meta's time of the reply. */
  receivedAt: Date;
  /** The tenant of the message the reply quotes (`context.id`): Herald's message from this number to this phone. */
  quotedTenantId: string | null;
  /** The latest message from this number that reached this phone up to the reply, and its tenant. */
  lastReached: { tenantId: string; sentAt: Date } | null;
}

/** The span the latest message to a phone is looked for in: what the rule can accept for a reply at `receivedAt`. */
export function reachWindow(receivedAt: Date): { from: Date; to: Date } {
  return { from: new Date(receivedAt.getTime() - REPLY_OWNERSHIP_MS), to: new Date(receivedAt.getTime() + META_STAMP_MS) };
}

/**
 * The tenant a reply to the platform number belongs to: the tenant of the message it quotes, else the tenant whose
 * message reached the phone last (within 30 days before the reply), else none (null: nobody sees it).
 * Decided from the reply's own time, so a redelivery days later belongs to the same tenant.
 */
export function replyOwner(facts: ReplyFacts): string | null {
  if (facts.quotedTenantId) return facts.quotedTenantId;
  const last = facts.lastReached;
  if (!last) return null;
  const window = reachWindow(facts.receivedAt);
  return last.sentAt >= window.from && last.sentAt < window.to ? last.tenantId : null;
}
