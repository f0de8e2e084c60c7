import { z } from 'zod';
import { page, pageInput } from '../../shared/schemas.ts';
import { authedProcedure } from '../../trpc/init.ts';
import { inboundMessageOutput, sandboxInboundInput, sandboxInboundOutput, toInboundMessageOutput } from './inbound.schema.ts';
import { listInboundMessages } from './inbound.service.ts';
import { simulateInbound } from './sandbox-inbound.service.ts';

export const listInboundMessagesProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'GET',
      path: '/inbound-messages',
      tags: ['inbound'],
      summary: 'List what contacts wrote to the tenant',
      description:
        'One item per Meta message id, however often Meta delivered it. Oldest stored first; pass ' +
        '`nextCursor` back as `cursor` for the next page (stable while messages arrive). `contactId` and `channelId` ' +
        "narrow the list; another tenant's ids simply match nothing. A message to the platform number (channelId null) " +
        "is listed for one tenant only: the tenant of the message it quotes, else the tenant whose message from the platform " +
        'number reached the writer last (within 30 days), else none.',
      protect: true,
    },
  })
  .input(z.strictObject({ ...pageInput, contactId: z.uuid().optional(), channelId: z.uuid().optional() }))
  .output(page(inboundMessageOutput))
  .query(async ({ ctx, input }) => {
    const result = await listInboundMessages(ctx.em, input);
    return { items: result.items.map(toInboundMessageOutput), nextCursor: result.nextCursor };
  });

export const sandboxInboundProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'POST',
      path: '/sandbox/inbound',
      tags: ['inbound'],
      summary: 'Sandbox mode: make a contact write to a number',
      description:
        "Sandbox mode only (404 otherwise). The WhatsApp simulator posts a signed `messages` webhook to " +
        "Herald exactly as Meta would, from `from` to the channel's number (the platform number without `channelId`); " +
        "it then shows in `GET /inbound-messages`. Another tenant's channel is a 404. On the platform number the contact " +
        "replies to the caller's latest message that reached them (quoting it), so only the caller sees it and only the " +
        "caller's contact is opted out by a STOP; without such a message in the last 30 days it is a 422 NOTHING_TO_REPLY_TO.",
      protect: true,
    },
    errorStatuses: [404, 422],
  })
  .input(sandboxInboundInput)
  .output(sandboxInboundOutput)
  .mutation(({ ctx, input }) => simulateInbound(ctx.em, ctx.services, ctx.principal.tenantId!, input));
