import { z } from 'zod';
import { authedProcedure } from '../../trpc/init.ts';
import { page, pageInput } from '../../shared/schemas.ts';
import { dateTimeInput, text } from '../../shared/storable.ts';
import { MESSAGE_STATUSES } from './status-rules.ts';
import { messageOutput, parametersInput, messageWithHistoryOutput, toMessageOutput, toMessageWithHistory } from './message.schema.ts';
import { cancelMessage, rescheduleMessage } from './change-schedule.service.ts';
import { getMessage, listMessages } from './messages.service.ts';
import { scheduleMessage } from './schedule.service.ts';
import { acknowledgeMessage } from '../escalations/escalation.service.ts';

const scheduleTimeInput = dateTimeInput('2026-12-01T09:00:00Z');
const messageId = z.strictObject({ id: z.uuid() });

export const scheduleProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'POST',
      path: '/messages/schedule',
      tags: ['messages'],
      summary: 'Schedule a template message to a contact',
      description:
        'Stores the message and starts its workflow, which sends it at scheduleTime (a past time means now) and charges ' +
        "the template category's price when it is dispatched. Replaying the same idempotencyKey with the same body " +
        'returns the same message (200); with a different body it is a 409.',
      protect: true,
      successDescription: 'Created (a replay answers 200 with the same message)',
    },
    errorStatuses: [409, 422],
    successStatus: 201,
    replayable: true,
  })
  .input(
    z.strictObject({
      templateId: z.uuid(),
      contactId: z.uuid(),
      scheduleTime: scheduleTimeInput,
      idempotencyKey: text().trim().min(1).max(255).meta({ example: 'welcome-alice-2026-12-01' }),
      parameters: parametersInput.optional(),
      channelId: z.uuid().optional().meta({
        description:
          "The tenant's channel to send from; default: its default channel, else the platform number. The template (and each " +
          "escalation level's) must have been created for a number of the same WABA, else 422 TEMPLATE_NOT_ON_CHANNEL",
      }),
      escalationPolicyId: z.uuid().optional().meta({ description: "The tenant's escalation policy to follow if nobody reads the message" }),
    }),
  )
  .output(messageOutput)
  .mutation(async ({ ctx, input }) => {
    const { message, replayed } = await scheduleMessage(ctx.em, ctx.services.messageWorkflows, ctx.principal.tenantId!, {
      ...input,
      parameters: input.parameters ?? {},
    });
    // An idempotent replay created nothing: 200, not 201.
    if (replayed) ctx.response.replayed = true;
    return toMessageOutput(message);
  });

export const getProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/messages/{id}', tags: ['messages'], summary: 'Read a message and its status history', protect: true },
  })
  .input(messageId)
  .output(messageWithHistoryOutput)
  .query(async ({ ctx, input }) => toMessageWithHistory(await getMessage(ctx.em, input.id)));

export const listProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/messages', tags: ['messages'], summary: "List the caller's tenant's messages", protect: true },
  })
  .input(z.strictObject({ ...pageInput, status: z.enum(MESSAGE_STATUSES).optional() }))
  .output(page(messageOutput))
  .query(async ({ ctx, input }) => {
    const result = await listMessages(ctx.em, input);
    return { items: result.items.map(toMessageOutput), nextCursor: result.nextCursor };
  });

export const cancelProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'POST',
      path: '/messages/{id}/cancel',
      tags: ['messages'],
      summary: 'Cancel a message before it is dispatched',
      description: '200 while its time has not come; 409 once it is being dispatched or finished. Nothing is charged.',
      protect: true,
    },
    errorStatuses: [409],
  })
  .input(messageId)
  .output(messageWithHistoryOutput)
  .mutation(async ({ ctx, input }) => toMessageWithHistory(await cancelMessage(ctx.em, ctx.services.messageWorkflows, input.id)));

export const rescheduleProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'POST',
      path: '/messages/{id}/reschedule',
      tags: ['messages'],
      summary: 'Move a message to another time before it is dispatched',
      description: '200 while its time has not come; 409 once it is being dispatched or finished.',
      protect: true,
    },
    errorStatuses: [409],
  })
  .input(z.strictObject({ id: z.uuid(), scheduleTime: scheduleTimeInput }))
  .output(messageWithHistoryOutput)
  .mutation(async ({ ctx, input }) =>
    toMessageWithHistory(await rescheduleMessage(ctx.em, ctx.services.messageWorkflows, input.id, input.scheduleTime)),
  );

export const acknowledgeProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'POST',
      path: '/messages/{id}/acknowledge',
      tags: ['messages'],
      summary: 'Acknowledge a message: someone has handled it, so its escalation stops',
      description:
        'Records when the message was acknowledged (the first time counts); a pending escalation ' +
        'is then RESOLVED by ACKNOWLEDGED and its waiting levels cancelled.',
      protect: true,
    },
  })
  .input(messageId)
  .output(messageWithHistoryOutput)
  .mutation(async ({ ctx, input }) => {
    const { escalating } = await acknowledgeMessage(ctx.em, ctx.principal.tenantId!, input.id);
    if (escalating) await ctx.services.messageWorkflows.wakeEscalation(input.id);
    return toMessageWithHistory(await getMessage(ctx.em, input.id));
  });
