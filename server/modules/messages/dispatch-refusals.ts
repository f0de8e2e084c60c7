// Why Herald itself fails a message before anything reaches Meta: the reasons the dispatch checks fail a message
// with, and the escalation rule reads (nobody was told, so nobody else is). EXPIRED is the contract's expiry (a
// message not dispatched by its `expiresAt`), named here so that whatever fails a message so is covered too.

export const DISPATCH_REFUSALS = ['CHANNEL_DISABLED', 'TEMPLATE_NOT_APPROVED', 'CONTACT_OPTED_OUT', 'MISSING_PARAMETERS', 'INSUFFICIENT_FUNDS', 'EXPIRED'] as const;

export type DispatchRefusal = (typeof DISPATCH_REFUSALS)[number];

export const isDispatchRefusal = (reason: string | null | undefined): reason is DispatchRefusal =>
  (DISPATCH_REFUSALS as readonly string[]).includes(reason ?? '');
