import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { authedProcedure } from '../../trpc/init.ts';
import { Contact } from './contact.entity.ts';
import { consentInput, contactWithConsentOutput, toContactWithConsent } from './contact.schema.ts';
import { consentHistoryOf, recordConsentChange } from './consent.service.ts';

const notFound = () => new AppError('NOT_FOUND', 'No such contact in this tenant', { reason: 'CONTACT_NOT_FOUND' });

/** The contact (the tenant filter scopes it) with its consent history, read after any change of this request. */
async function contactWithConsent(em: EntityManager, tenantId: string, id: string) {
  const contact = await em.findOne(Contact, { id }, { refresh: true });
  if (!contact) throw notFound();
  return toContactWithConsent(contact, await consentHistoryOf(em, tenantId, id));
}

const tenantOf = (tenantId: string | undefined): string => {
  if (!tenantId) throw new AppError('FORBIDDEN', 'Contacts belong to a tenant; sign in as a tenant user');
  return tenantId;
};

export const getContactProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'GET',
      path: '/contacts/{id}',
      tags: ['contacts'],
      summary: 'Read one contact with its consent history',
      description: "`consentHistory` lists every change of the contact's consent, oldest first, with its source.",
      protect: true,
    },
  })
  .input(z.strictObject({ id: z.uuid('must be a contact id (UUID)') }))
  .output(contactWithConsentOutput)
  .query(({ ctx, input }) => contactWithConsent(ctx.em, tenantOf(ctx.principal.tenantId), input.id));

const consentChange = (optedOut: boolean) =>
  authedProcedure
    .meta({
      roles: ['ADMIN', 'SUB_ADMIN'],
      openapi: {
        method: 'POST',
        path: optedOut ? '/contacts/{id}/opt-out' : '/contacts/{id}/opt-in',
        tags: ['contacts'],
        summary: optedOut ? 'Opt a contact out (of everything, or of marketing)' : 'Opt a contact back in',
        description: optedOut
          ? '`ALL`: no template goes to the contact any more; `MARKETING`: no MARKETING template. ' +
            'Messages already scheduled to them fail at dispatch without charge (CONTACT_OPTED_OUT). Recorded in the history with source API.'
          : '`ALL`: every opt-out is lifted (optOut NONE); `MARKETING`: only the marketing opt-out is ' +
            'lifted, an opt-out of everything stands. Recorded in the history with source API.',
        protect: true,
      },
    })
    .input(consentInput)
    .output(contactWithConsentOutput)
    .mutation(async ({ ctx, input }) => {
      const tenantId = tenantOf(ctx.principal.tenantId);
      const outcome = await recordConsentChange(ctx.em, {
        contactId: input.id,
        tenantId,
        scope: input.scope,
        optedOut,
        source: 'API',
        occurredAt: new Date(),
        createdBy: ctx.principal.userId,
      });
      if (outcome === 'missing') throw notFound();
      return contactWithConsent(ctx.em, tenantId, input.id);
    });

export const optOutProcedure = consentChange(true);
export const optInProcedure = consentChange(false);
