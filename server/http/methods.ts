import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from 'trpc-to-openapi';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface DocumentedPath {
  pattern: RegExp;
  allow: string;
  methods: Set<string>;
}

/** Each documented path as a pattern (`{id}` is one segment), matched as loosely as the REST bridge routes. */
function documentedPaths(document: OpenAPIObject): DocumentedPath[] {
  return Object.entries(document.paths ?? {}).map(([template, item]) => {
    const methods = HTTP_METHODS.filter((method) => item?.[method]).map((method) => method.toUpperCase());
    const source = template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    // GET implies HEAD, as Fastify and RFC 9110 have it.
    const allowed = new Set(methods.includes('GET') ? [...methods, 'HEAD'] : methods);
    return { pattern: new RegExp(`^${source}/*$`, 'i'), allow: methods.join(', '), methods: allowed };
  });
}

/**
 * A documented path called with a method it does not have answers 405 with `Allow` (OPTIONS: 204 with
 * `Allow`), before its body is read; the REST bridge would otherwise answer 404 as if the path did not exist.
 */
export function registerMethodGuard(app: FastifyInstance, document: OpenAPIObject): void {
  const paths = documentedPaths(document);
  app.addHook('onRequest', async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '';
    const documented = paths.find((entry) => entry.pattern.test(pathname));
    if (!documented || documented.methods.has(request.method)) return;
    reply.header('allow', documented.allow);
    if (request.method === 'OPTIONS') return reply.code(204).send();
    return reply
      .code(405)
      .send({ code: 'METHOD_NOT_SUPPORTED', message: `${request.method} is not supported on ${pathname}; use ${documented.allow}` });
  });
}
