import type { FastifyReply, FastifyRequest } from 'fastify';
import { verifyToken, type Principal } from '../modules/auth/tokens.ts';
import type { Services } from '../services.ts';
import { AppError } from '../shared/errors.ts';

/** What every procedure sees. Built without HTTP for tests (`createContextInner`), with it for requests. */
export interface Context {
  services: Services;
  requestId: string;
  /** The verified caller, when a valid bearer token came with the request. */
  principal: Principal | undefined;
  /** Why a token that came along was refused; reported by procedures that need a caller. */
  authError: AppError | undefined;
  /**
   * What a procedure tells the HTTP layer. An object made once per request: middlewares hand procedures a
   * copy of the context, so a flag set on the copy itself would never reach `responseMeta`.
   */
  response: { replayed: boolean };
  /** The caller's network address (for rate limits); undefined outside HTTP. */
  clientIp: string | undefined;
  /** Sets a header of the HTTP answer, on REST and tRPC alike; does nothing outside HTTP. */
  setResponseHeader(name: string, value: string): void;
}

export async function createContextInner(
  services: Services,
  options: {
    requestId?: string;
    authorization?: string | undefined;
    clientIp?: string;
    setResponseHeader?: (name: string, value: string) => void;
  } = {},
): Promise<Context> {
  let principal: Principal | undefined;
  let authError: AppError | undefined;
  const header = options.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) {
      authError = new AppError('UNAUTHORIZED', 'Authorization header must be "Bearer <token>"', { reason: 'MALFORMED_AUTHORIZATION' });
    } else {
      try {
        principal = await verifyToken(services.keys, services.tokens, match[1]!);
      } catch (error) {
        authError = error instanceof AppError ? error : new AppError('UNAUTHORIZED', 'Invalid token');
      }
    }
  }
  return {
    services,
    requestId: options.requestId ?? 'internal',
    principal,
    authError,
    response: { replayed: false },
    clientIp: options.clientIp,
    setResponseHeader: options.setResponseHeader ?? (() => {}),
  };
}

export function createHttpContextFactory(services: Services) {
  return ({ req, res }: { req: FastifyRequest; res: FastifyReply }): Promise<Context> =>
    createContextInner(services, {
      requestId: String(req.id),
      authorization: req.headers.authorization,
      clientIp: req.ip,
      // Both the tRPC adapter and the REST bridge hand over the Fastify reply and keep headers set on it.
      setResponseHeader: (name, value) => void res.header(name, value),
    });
}
