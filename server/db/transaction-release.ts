// Kysely (0.29, under MikroORM) never hands a pooled connection back when BEGIN or ROLLBACK throws, which is what
// they do on a connection PostgreSQL dropped (a restart, a failover). Each such transaction would keep one of the
// pool's connections for ever: a few restarts starve the pool, and closing it (graceful shutdown) never ends.
import type { Pool, PoolClient } from 'pg';

const BEGIN_OR_ROLLBACK = /^\s*(begin|start transaction|rollback)\b/i;

/** Releases, and so discards, a pooled connection whose BEGIN or ROLLBACK failed: nobody else will. */
export function releaseFailedTransactionConnections(pool: Pool): void {
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const result = query(...args);
      if (typeof args[0] !== 'string' || !BEGIN_OR_ROLLBACK.test(args[0]) || !(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        try {
          // With an error, pg-pool destroys the connection instead of keeping it idle.
          client.release(error instanceof Error ? error : new Error(String(error)));
        } catch {
          // already released by its holder
        }
        throw error;
      });
    };
  });
}
