import { z } from 'zod';
import { jsonBoolean, page, pageInput } from '../../shared/schemas.ts';
import { text } from '../../shared/storable.ts';
import { authedProcedure } from '../../trpc/init.ts';
import {
  accessTokenInput,
  channelNameInput,
  channelOutput,
  channelStatusInput,
  displayPhoneNumberInput,
  phoneNumberIdInput,
  rateLimitInput,
  toChannelOutput,
  wabaIdInput,
} from './channel.schema.ts';
import { createChannel, createChannelFromSignup, getChannel, listChannels, updateChannel } from './channels.service.ts';

export const createChannelProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'POST',
      path: '/channels',
      tags: ['channels'],
      summary: 'Register a WhatsApp business number of the tenant',
      description:
        "The access token is stored encrypted and never returned. The platform's own number is never a " +
        "tenant's channel (409 CHANNEL_EXISTS). In cloud mode Meta is asked first: the token must reach the number " +
        "(`GET /{phoneNumberId}`; else 422 META_REFUSED naming Meta's error) and the WABA must list it " +
        '(`GET /{wabaId}/phone_numbers`; else 422 NUMBER_NOT_IN_WABA). Only then is a number registered already (by any ' +
        "tenant) a 409 CHANNEL_EXISTS. The tenant's first channel becomes its default unless `isDefault` is false.",
      protect: true,
      successDescription: 'Created',
    },
    errorStatuses: [409, 422],
    successStatus: 201,
  })
  .input(
    z.strictObject({
      name: channelNameInput.meta({ example: 'Support line' }),
      wabaId: wabaIdInput,
      phoneNumberId: phoneNumberIdInput,
      accessToken: accessTokenInput,
      displayPhoneNumber: displayPhoneNumberInput.optional(),
      isDefault: jsonBoolean().optional(),
      rateLimitPerSecond: rateLimitInput.optional().meta({ description: 'Sends per second at most, 1-1000 (default 80)' }),
    }),
  )
  .output(channelOutput)
  .mutation(async ({ ctx, input }) =>
    toChannelOutput(await createChannel(ctx.em, ctx.services.channels, ctx.principal.tenantId!, input)),
  );

export const embeddedSignupProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'POST',
      path: '/channels/embedded-signup',
      tags: ['channels'],
      summary: "Register a number through Meta's Embedded Signup",
      description:
        "`code` is what Meta's Embedded Signup flow returned to the business's browser; Herald exchanges it " +
        "for a business token with the platform app (META_APP_ID, META_APP_SECRET), checks that the WABA lists the number " +
        "(422 NUMBER_NOT_IN_WABA), subscribes the app to the WABA's webhooks and stores the channel. 422 META_REFUSED when " +
        'Meta refuses a step, 422 EMBEDDED_SIGNUP_NOT_CONFIGURED without the platform app; 409 CHANNEL_EXISTS for the ' +
        "platform's number, or, after the exchange, for a number registered already. In sandbox mode the simulator " +
        'plays Meta and any `code` will do (Herald issues the one it exchanges).',
      protect: true,
      successDescription: 'Created',
    },
    errorStatuses: [409, 422],
    successStatus: 201,
  })
  .input(
    z.strictObject({
      code: text().trim().min(1).max(2048),
      wabaId: wabaIdInput,
      phoneNumberId: phoneNumberIdInput,
      name: channelNameInput.optional(),
    }),
  )
  .output(channelOutput)
  .mutation(async ({ ctx, input }) =>
    toChannelOutput(await createChannelFromSignup(ctx.em, ctx.services.channels, ctx.principal.tenantId!, input)),
  );

export const listChannelsProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/channels', tags: ['channels'], summary: "List the tenant's channels", protect: true },
  })
  .input(z.strictObject({ ...pageInput, status: channelStatusInput.optional() }))
  .output(page(channelOutput))
  .query(async ({ ctx, input }) => {
    const result = await listChannels(ctx.em, input);
    return { items: result.items.map(toChannelOutput), nextCursor: result.nextCursor };
  });

export const getChannelProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/channels/{id}', tags: ['channels'], summary: 'Read a channel', protect: true },
  })
  .input(z.strictObject({ id: z.uuid() }))
  .output(channelOutput)
  .query(async ({ ctx, input }) => toChannelOutput(await getChannel(ctx.em, input.id)));

export const updateChannelProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'PATCH',
      path: '/channels/{id}',
      tags: ['channels'],
      summary: 'Change a channel: name, token, default, rate limit, or disable it',
      description:
        'A new access token is checked against Meta in cloud mode (422 when refused). A DISABLED channel ' +
        'takes no new messages (422) and its due messages fail without charge (reason CHANNEL_DISABLED). Making one ' +
        'channel the default unsets the previous default; with no default, messages use the platform number.',
      protect: true,
    },
    errorStatuses: [422],
  })
  .input(
    z.strictObject({
      id: z.uuid(),
      name: channelNameInput.optional(),
      accessToken: accessTokenInput.optional(),
      isDefault: jsonBoolean().optional(),
      rateLimitPerSecond: rateLimitInput.optional(),
      status: channelStatusInput.optional(),
    }),
  )
  .output(channelOutput)
  .mutation(async ({ ctx, input }) => {
    const { id, ...changes } = input;
    return toChannelOutput(await updateChannel(ctx.em, ctx.services.channels, ctx.principal.tenantId!, id, changes));
  });
