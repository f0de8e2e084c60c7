import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';

const CHECK_TIMEOUT_MS = 2000;

async function withTimeout<T>(work: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `probe` answered in time. The error text stays in the log: it may name hosts, ports and users. */
async function check(label: string, probe: () => Promise<unknown>, log: FastifyBaseLogger): Promise<{ ok: boolean }> {
  try {
    await withTimeout(probe(), label);
    return { ok: true };
  } catch (error) {
    log.warn({ err: error, dependency: label }, `readiness check failed: ${label}`);
    return { ok: false };
  }
}

/** `/healthz`: the process is alive. `/readyz`: PostgreSQL and Temporal both answer right now. */
export function registerHealthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (request, reply) => {
    const [database, temporal] = await Promise.all([
      check('PostgreSQL', () => services.orm.em.fork().getConnection().execute('select 1'), request.log),
      // A deadline, not only the race below: the client retries an unreachable server for many seconds otherwise.
      check('Temporal', () =>
        services.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS - 200, () => services.temporal.workflowService.getSystemInfo({})),
        request.log,
      ),
    ]);
    const ready = database.ok && temporal.ok;
    const failing = [!database.ok && 'database', !temporal.ok && 'temporal'].filter(Boolean);
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'unavailable',
      ...(failing.length > 0 ? { failing } : {}),
      checks: { database, temporal },
    });
  });
}
