import type { FastifyInstance } from 'fastify';
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

async function check(label: string, probe: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await withTimeout(probe(), label);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** `/healthz`: the process is alive. `/readyz`: PostgreSQL and Temporal both answer right now. */
export function registerHealthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const [database, temporal] = await Promise.all([
      check('PostgreSQL', () => services.orm.em.fork().getConnection().execute('select 1')),
      // A deadline, not only the race below: the client retries an unreachable server for many seconds otherwise.
      check('Temporal', () =>
        services.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS - 200, () => services.temporal.workflowService.getSystemInfo({})),
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
