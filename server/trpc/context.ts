import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';

/** What every procedure sees. Built without HTTP for tests (`createContextInner`), with it for requests. */
export interface Context {
  services: Services;
  requestId: string;
  /** Procedures that create something set 201 here; the REST bridge reads it through `responseMeta`. */
  response: { status?: number; headers: Record<string, string> };
}

export function createContextInner(services: Services, requestId = 'internal'): Context {
  return { services, requestId, response: { headers: {} } };
}

export function createHttpContextFactory(services: Services) {
  return ({ req }: { req: FastifyRequest; res: FastifyReply }): Context => createContextInner(services, String(req.id));
}
