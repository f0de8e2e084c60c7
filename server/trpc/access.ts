import type { Role } from '../modules/users/user.entity.ts';

/**
 * Who may call what: the role table, keyed by procedure path, in one place. The
 * `authedProcedure` middleware consults it on every call; a procedure missing here refuses everyone.
 * Public procedures (sign-up, sign-in) use `publicProcedure` and are not listed.
 */
export const ACCESS: Record<string, readonly Role[]> = {
  'users.create': ['ADMIN'],
  'users.list': ['ADMIN'],
  'tenants.list': ['SUPER_ADMIN'],
  'contacts.import': ['ADMIN', 'SUB_ADMIN'],
  'contacts.list': ['ADMIN', 'SUB_ADMIN'],
  'contacts.get': ['ADMIN', 'SUB_ADMIN'],
  'contacts.optOut': ['ADMIN', 'SUB_ADMIN'],
  'contacts.optIn': ['ADMIN', 'SUB_ADMIN'],
  'templates.create': ['ADMIN'],
  'templates.list': ['ADMIN', 'SUB_ADMIN'],
  'billing.addCredits': ['SUPER_ADMIN'],
  'billing.balance': ['SUPER_ADMIN', 'ADMIN', 'SUB_ADMIN'],
  'billing.ledger': ['SUPER_ADMIN', 'ADMIN'],
  'billing.prices': ['SUPER_ADMIN', 'ADMIN', 'SUB_ADMIN'],
  'messages.schedule': ['ADMIN', 'SUB_ADMIN'],
  'messages.get': ['ADMIN', 'SUB_ADMIN'],
  'messages.list': ['ADMIN', 'SUB_ADMIN'],
  'messages.cancel': ['ADMIN', 'SUB_ADMIN'],
  'messages.reschedule': ['ADMIN', 'SUB_ADMIN'],
  'channels.create': ['ADMIN'],
  'channels.embeddedSignup': ['ADMIN'],
  'channels.list': ['ADMIN', 'SUB_ADMIN'],
  'channels.get': ['ADMIN', 'SUB_ADMIN'],
  'channels.update': ['ADMIN'],
  'inbound.list': ['ADMIN', 'SUB_ADMIN'],
  'inbound.simulate': ['ADMIN'],
  'escalationPolicies.create': ['ADMIN'],
  'escalationPolicies.list': ['ADMIN', 'SUB_ADMIN'],
  'escalationPolicies.get': ['ADMIN', 'SUB_ADMIN'],
  'messages.acknowledge': ['ADMIN', 'SUB_ADMIN'],
  'campaigns.create': ['ADMIN'],
  'campaigns.list': ['ADMIN', 'SUB_ADMIN'],
  'campaigns.get': ['ADMIN', 'SUB_ADMIN'],
  'campaigns.messages': ['ADMIN', 'SUB_ADMIN'],
  'campaigns.pause': ['ADMIN'],
  'campaigns.resume': ['ADMIN'],
  'campaigns.cancel': ['ADMIN'],
  'system.echo': ['SUPER_ADMIN'],
};
