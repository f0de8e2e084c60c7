import { z } from 'zod';
import { text } from '../../shared/storable.ts';
import { authedProcedure } from '../../trpc/init.ts';
import { enforceLimits } from '../../trpc/rate-limit.ts';

/** Each echo starts a workflow: a smoke test needs a few a minute, never a flood. */
export const ECHO_CALLS_PER_MINUTE = 10;

const echoInput = z.strictObject({
  text: text().min(1).max(200).meta({ example: 'hello herald' }),
});

const echoOutput = z.object({
  text: z.string(),
  upper: z.string(),
  length: z.number().int(),
  workflowId: z.string(),
});

export const echoProcedure = authedProcedure
  .meta({
    roles: ['SUPER_ADMIN'],
    openapi: {
      protect: true,
      method: 'POST',
      path: '/system/echo',
      tags: ['system'],
      summary: 'Round trip through Temporal',
      description:
        'Starts a short workflow whose activity computes a result inside PostgreSQL, and returns it. ' +
        'Proves the API, Temporal, the worker and the database are wired together. ' +
        `At most ${ECHO_CALLS_PER_MINUTE} calls per operator per minute (429 with Retry-After beyond).`,
    },
    errorStatuses: [429],
  })
  .use(({ ctx, next }) => {
    enforceLimits(ctx, [{ key: `echo:user:${ctx.principal.userId}`, max: ECHO_CALLS_PER_MINUTE }], 'echo calls');
    return next();
  })
  .input(echoInput)
  .output(echoOutput)
  .mutation(({ ctx, input }) => ctx.services.runEcho(input.text));
