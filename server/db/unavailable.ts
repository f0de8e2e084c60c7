// Whether an error means PostgreSQL could not be reached (down, restarting, connection cut), as opposed to a
// fault in a query: callers get 503 for the first, which they retry, and 500 for the second.

/** Network failures Node reports when the server is not there or drops the connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** SQLSTATEs of a server shutting down, starting up or out of connection slots (class 08, connection exception, too). */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres's own words when a connection dies under it or cannot be had. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable/,
  /^timeout exceeded when trying to connect/,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  // MikroORM copies the driver's error's fields onto its own and may wrap it again; follow causes a few levels.
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true;
    if (DRIVER_MESSAGES.some((pattern) => pattern.test(current.message))) return true;
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
}

/** The answer for a request that needs PostgreSQL while it cannot be reached: a 503 the caller retries. */
export const DATABASE_UNAVAILABLE_BODY = {
  code: 'SERVICE_UNAVAILABLE',
  message: 'The database is unavailable; retry shortly',
  data: { reason: 'DATABASE_UNAVAILABLE' },
} as const;
