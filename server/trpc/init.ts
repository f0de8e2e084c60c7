import { TRPCError, initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { AppError } from '../shared/errors.ts';
import type { Context } from './context.ts';

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      return {
        ...shape,
        data: {
          ...shape.data,
          stack: undefined,
          reason: cause instanceof AppError ? cause.reason : undefined,
          issues:
            cause instanceof ZodError
              ? cause.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
              : undefined,
        },
      };
    },
  });

/** Domain code throws AppError and knows nothing of tRPC; this is the one place that translates. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    const code = cause.code === 'SERVICE_UNAVAILABLE' ? 'SERVICE_UNAVAILABLE' : cause.code;
    throw new TRPCError({ code, message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const middleware = t.middleware;
export const publicProcedure = t.procedure.use(domainErrors);
export const createCallerFactory = t.createCallerFactory;
