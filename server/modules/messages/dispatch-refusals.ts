// Why Herald itself refuses a message at dispatch, before anything reaches Meta: the reasons the dispatch
// checks fail a message with, and the escalation rule reads (nobody was told, so nobody else is).

export const DISPATCH_REFUSALS = ['CHANNEL_DISABLED', 'TEMPLATE_NOT_APPROVED', 'CONTACT_OPTED_OUT', 'MISSING_PARAMETERS', 'INSUFFICIENT_FUNDS'] as const;

export type DispatchRefusal = (typeof DISPATCH_REFUSALS)[number];

export const isDispatchRefusal = (reason: string | null | undefined): reason is DispatchRefusal =>
  (DISPATCH_REFUSALS as readonly string[]).includes(reason ?? '');
