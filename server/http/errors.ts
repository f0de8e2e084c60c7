import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DATABASE_UNAVAILABLE_BODY, isDatabaseUnavailable } from '../db/unavailable.ts';
import { codeForStatus, ERROR_TABLE } from '../shared/error-table.ts';
import { AppError, internalErrorMessage } from '../shared/errors.ts';

/**
 * Errors raised by Fastify itself (malformed JSON, oversized bodies, unknown routes) get the same
 * `{code, message}` shape as procedure errors; only genuine faults become a 500, with the detail logged.
 */
export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Herald's own refusals before a procedure runs (a body nested too deep) keep their reason.
    if (error instanceof AppError) {
      const data = error.reason ? { data: { reason: error.reason } } : {};
      return reply.code(ERROR_TABLE[error.code].status).send({ code: error.code, message: error.message, ...data });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500 && isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'the database is unavailable');
      return reply.code(503).send(DATABASE_UNAVAILABLE_BODY);
    }
    if (status === 500) {
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({ code: 'INTERNAL_SERVER_ERROR', message: internalErrorMessage(String(request.id)) });
    }
    return reply.code(status).send({ code: codeForStatus(status), message: error.message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'NOT_FOUND', message: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );
}

/**
 * An `onSend` hook for the REST bridge, whose error answers add the validator's raw `issues` beside `data.issues`:
 * every REST error body is exactly `{code, message, data?}`, as the OpenAPI document describes it.
 */
export async function exactErrorBody(_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  if (typeof body !== 'object' || body === null) return payload;
  const { code, message, data } = body as Record<string, unknown>;
  return JSON.stringify({ code, message, data });
}
