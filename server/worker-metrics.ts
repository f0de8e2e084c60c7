import http from 'node:http';
import type { Logger } from 'pino';
import { metricsAuthorized } from './http/metrics-route.ts';
import { registry } from './metrics.ts';

export interface WorkerMetricsServer {
  port: number;
  close(): Promise<void>;
}

/** The SDK's text, or a comment saying why it is missing: Herald's own metrics are served either way. */
async function temporalText(url: string | undefined, logger: Logger): Promise<string> {
  if (!url) return '';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : `# Temporal SDK metrics unavailable: HTTP ${response.status}\n`;
  } catch (error) {
    logger.warn({ err: error }, 'could not read the Temporal SDK metrics');
    return '# Temporal SDK metrics unavailable\n';
  }
}

/** Serves GET /metrics: this process's registry followed by the Temporal SDK's own metrics (read from `temporalUrl`). */
export function startWorkerMetricsServer(
  options: { port: number; host: string; temporalUrl: string | undefined; token: string | undefined },
  logger: Logger,
): Promise<WorkerMetricsServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND', message: 'Only GET /metrics is served here' }));
      return;
    }
    if (!metricsAuthorized(options.token, request.headers.authorization)) {
      const body = { code: 'UNAUTHORIZED', message: 'GET /metrics needs the METRICS_TOKEN bearer token', data: { reason: 'METRICS_TOKEN_REQUIRED' } };
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify(body));
      return;
    }
    Promise.all([registry.metrics(), temporalText(options.temporalUrl, logger)]).then(
      ([own, temporal]) => response.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${temporal}`),
      (error: unknown) => {
        logger.error({ err: error }, 'metrics collection failed');
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'INTERNAL_SERVER_ERROR', message: 'metrics collection failed' }));
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : options.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
