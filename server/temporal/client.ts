import { Client, Connection } from '@temporalio/client';

/**
 * One lazy connection per process (never one per request). Lazy, so the API starts and reports
 * "not ready" while Temporal is away instead of refusing to start.
 */
export function createTemporalClient(address: string, namespace: string): Client {
  const connection = Connection.lazy({ address });
  return new Client({ connection, namespace });
}
