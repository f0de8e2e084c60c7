import { z } from 'zod';
import { text } from '../../shared/storable.ts';
import { AppError } from '../../shared/errors.ts';
import { page, pageInput } from '../../shared/schemas.ts';
import { authedProcedure } from '../../trpc/init.ts';
import { contactOutput, importInput, importOutput, toContactOutput } from './contact.schema.ts';
import { importContacts, listContacts } from './contacts.service.ts';

// Contacts belong to a tenant; its roles already keep SUPER_ADMIN out, this says so plainly.
const callerTenant = (tenantId: string | undefined): string => {
  if (!tenantId) throw new AppError('FORBIDDEN', 'Contacts belong to a tenant; sign in as a tenant user');
  return tenantId;
};

export const importContactsProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'POST',
      path: '/contacts/import',
      tags: ['contacts'],
      summary: "Import contacts into the caller's tenant",
      description:
        'Up to 10,000 contacts per request; phones are normalised to E.164. ' +
        'Each item is checked on its own: bad items are listed in `invalid` with their index and why, ' +
        'the rest import. Phones already in the batch or in the tenant are skipped and counted in `skipped`. ' +
        '400 only when the request itself is malformed or too big.',
      protect: true,
    },
    errorStatuses: [413],
  })
  .input(importInput)
  .output(importOutput)
  .mutation(({ ctx, input }) => importContacts(ctx.em, callerTenant(ctx.principal.tenantId), input.contacts));

// Query strings carry text, tRPC callers a boolean. (The REST bridge would coerce a bare z.boolean(), and "false" to true.)
const optedOutFilter = z
  .preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean())
  .meta({ description: 'Only contacts who opted out (true) or did not (false)' })
  .optional();

export const listContactsProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'GET',
      path: '/contacts',
      tags: ['contacts'],
      summary: "List the caller's tenant's contacts",
      description:
        'Oldest first; pass `nextCursor` back as `cursor` for the next page. ' +
        '`search` matches the name (case-insensitive) or the digits of the phone.',
      protect: true,
    },
  })
  .input(
    z.strictObject({
      ...pageInput,
      search: text().max(200).meta({ description: 'Part of a name, or phone digits', example: '555123' }).optional(),
      optedOut: optedOutFilter,
    }),
  )
  .output(page(contactOutput))
  .query(async ({ ctx, input }) => {
    callerTenant(ctx.principal.tenantId);
    const result = await listContacts(ctx.em, input);
    return { items: result.items.map(toContactOutput), nextCursor: result.nextCursor };
  });
