import { z } from 'zod';
import { text } from '../../shared/storable.ts';
import { publicProcedure } from '../../trpc/init.ts';
import { runEcho } from './echo.service.ts';

export const echoInput = z.strictObject({
  text: text().min(1).max(200).meta({ example: 'hello herald' }),
});

export const echoOutput = z.object({
  text: z.string(),
  upper: z.string(),
  length: z.number().int(),
  workflowId: z.string(),
});

export const echoProcedure = publicProcedure
  .meta({
    openapi: {
      protect: false,
      method: 'POST',
      path: '/system/echo',
      tags: ['system'],
      summary: 'Round trip through Temporal',
      description:
        'Starts a short workflow whose activity computes a result inside PostgreSQL, and returns it. ' +
        'Proves the API, Temporal, the worker and the database are wired together.',
    },
  })
  .input(echoInput)
  .output(echoOutput)
  .mutation(({ ctx, input }) => runEcho(ctx.services.temporal, ctx.services.taskQueue, input.text));
