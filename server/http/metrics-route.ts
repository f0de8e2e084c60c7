import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenAPIObject } from 'trpc-to-openapi';
import { httpDuration, httpRequests, registry } from '../metrics.ts';

/** The REST bridge serves every documented path from one `/*` route: its template names the request instead. */
function routeNamer(document: OpenAPIObject): (request: FastifyRequest) => string {
  const templates = Object.keys(document.paths ?? {}).map((template) => {
    const source = template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    return { template, pattern: new RegExp(`^${source}/*$`, 'i') };
  });
  return (request) => {
    const route = request.routeOptions.url;
    if (route === undefined) return 'unmatched';
    if (route !== '/*') return route;
    const pathname = request.url.split('?')[0] ?? '';
    return templates.find((entry) => entry.pattern.test(pathname))?.template ?? 'unmatched';
  };
}

/** True when no token is configured, or the request carries it as a bearer token. */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const offered = Buffer.from(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return offered.length === expected.length && timingSafeEqual(offered, expected);
}

function refuseMetrics(reply: FastifyReply) {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer')
    .send({ code: 'UNAUTHORIZED', message: 'GET /metrics needs the METRICS_TOKEN bearer token', data: { reason: 'METRICS_TOKEN_REQUIRED' } });
}

/** Counts and times every answered request by route pattern and status, and serves the registry at GET /metrics. */
export function registerMetrics(app: FastifyInstance, document: OpenAPIObject, token: string | undefined): void {
  const routeOf = routeNamer(document);
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: routeOf(request), status: String(reply.statusCode) };
    httpRequests.inc(labels);
    httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    if (!metricsAuthorized(token, request.headers.authorization)) return refuseMetrics(reply);
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
