import { z } from 'zod';
import { page, pageInput } from '../../shared/schemas.ts';
import { authedProcedure } from '../../trpc/init.ts';
import { inboundMessageOutput, sandboxInboundInput, sandboxInboundOutput, toInboundMessageOutput } from './inbound.schema.ts';
import { listInboundMessages } from './inbound.service.ts';
import { simulateInbound } from './sandbox-inbound.service.ts';

export const listInboundMessagesProcedure = authedProcedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/inbound-messages',
      tags: ['inbound'],
      summary: 'List what contacts wrote to the tenant',
      description:
        'ADMIN and SUB_ADMIN. One item per Meta message id, however often Meta delivered it. Oldest stored first; pass ' +
        '`nextCursor` back as `cursor` for the next page (stable while messages arrive). `contactId` and `channelId` ' +
        "narrow the list; another tenant's ids simply match nothing. Messages to the platform number (channelId null) " +
        'are listed for every tenant that has the writer as a contact.',
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
    openapi: {
      method: 'POST',
      path: '/sandbox/inbound',
      tags: ['inbound'],
      summary: 'Sandbox mode: make a contact write to a number',
      description:
        "ADMIN only, sandbox mode only (404 otherwise). The WhatsApp simulator posts a signed `messages` webhook to " +
        "Herald exactly as Meta would, from `from` to the channel's number (the platform number without `channelId`); " +
        "it then shows in `GET /inbound-messages`. Another tenant's channel is a 404.",
      protect: true,
    },
    errorStatuses: [404],
  })
  .input(sandboxInboundInput)
  .output(sandboxInboundOutput)
  .mutation(({ ctx, input }) => simulateInbound(ctx.em, ctx.services, input));
