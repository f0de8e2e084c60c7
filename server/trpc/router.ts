import { authRouter } from '../modules/auth/router.ts';
import { campaignsRouter } from '../modules/campaigns/router.ts';
import { billingRouter } from '../modules/billing/router.ts';
import { channelsRouter } from '../modules/channels/router.ts';
import { contactsRouter } from '../modules/contacts/router.ts';
import { inboundRouter } from '../modules/inbound/router.ts';
import { escalationPoliciesRouter } from '../modules/escalations/router.ts';
import { messagesRouter } from '../modules/messages/router.ts';
import { systemRouter } from '../modules/system/router.ts';
import { templatesRouter } from '../modules/templates/router.ts';
import { tenantsRouter } from '../modules/tenants/router.ts';
import { usersRouter } from '../modules/users/router.ts';
import { router } from './init.ts';

/** Assembles the domain routers; nothing else lives here. */
export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  tenants: tenantsRouter,
  contacts: contactsRouter,
  templates: templatesRouter,
  billing: billingRouter,
  messages: messagesRouter,
  channels: channelsRouter,
  inbound: inboundRouter,
  escalationPolicies: escalationPoliciesRouter,
  campaigns: campaignsRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
