import { TRPCError, initTRPC } from '@trpc/server';
import { ZodError } from 'zod';
import { TENANT_FILTER } from '../db/tenant-scope.ts';
import { DATABASE_UNAVAILABLE_BODY, isDatabaseUnavailable } from '../db/unavailable.ts';
import { AppError, internalErrorMessage } from '../shared/errors.ts';
import { issueSummaries, validationReason } from '../shared/validation-reason.ts';
import type { Context } from './context.ts';
import { mayCall, type HeraldMeta } from './meta.ts';

const t = initTRPC
  .context<Context>()
  .meta<HeraldMeta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const cause = error.cause;
      // A fault's own text (often the database's) is for the log, which keeps it under the same request id.
      const message = error.code === 'INTERNAL_SERVER_ERROR' ? internalErrorMessage(ctx?.requestId) : shape.message;
      return {
        ...shape,
        message,
        data: {
          ...shape.data,
          stack: undefined,
          reason: cause instanceof AppError ? cause.reason : cause instanceof ZodError ? validationReason(cause.issues) : undefined,
          issues: cause instanceof ZodError ? issueSummaries(cause.issues) : undefined,
        },
      };
    },
  });

/** Domain code throws AppError and knows nothing of tRPC; this is the one place that translates. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  // PostgreSQL down or restarting is not Herald's fault: 503, which callers retry (with the same idempotency key).
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(result.error.cause)) {
    const cause = new AppError('SERVICE_UNAVAILABLE', DATABASE_UNAVAILABLE_BODY.message, { reason: 'DATABASE_UNAVAILABLE', cause: result.error.cause });
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

/**
 * Authentication and the roles the procedure declares in its meta (`roles`) for every protected procedure,
 * and the caller's tenant scope: a forked EntityManager whose tenant filter is bound to the caller's tenant.
 */
const authenticated = t.middleware(({ ctx, meta, next }) => {
  const principal = ctx.principal;
  if (!principal) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError?.message ?? 'Authentication required', cause: ctx.authError });
  }
  if (!mayCall(meta, principal.role)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `Your role (${principal.role}) may not do this` });
  }
  const em = ctx.services.orm.em.fork();
  if (principal.tenantId) em.setFilterParams(TENANT_FILTER, { tenantId: principal.tenantId });
  return next({ ctx: { principal, em } });
});

export const router = t.router;
export const publicProcedure = t.procedure.use(domainErrors);
export const authedProcedure = publicProcedure.use(authenticated);
