// Every error code Herald answers with: its HTTP status and what the OpenAPI document says about it.
// AppError (domain code), Fastify's own errors and the OpenAPI document all read this one table.

export const ERROR_TABLE = {
  BAD_REQUEST: { status: 400, description: 'Invalid input: malformed JSON, unknown fields, wrong types or values (see `data.issues`)' },
  UNAUTHORIZED: { status: 401, description: 'Not authenticated: no, malformed, expired or invalid bearer token' },
  FORBIDDEN: { status: 403, description: 'Your role may not do this' },
  NOT_FOUND: { status: 404, description: "Not found (also another tenant's object)" },
  METHOD_NOT_SUPPORTED: { status: 405, description: 'The path exists, but not with this method (see the Allow header)' },
  CONFLICT: { status: 409, description: 'Conflict with the current state' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'Request body too large (over 4 MiB)' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The request body is not sent as application/json' },
  UNPROCESSABLE_CONTENT: { status: 422, description: 'Refused by a business rule (see `data.reason`)' },
  TOO_MANY_REQUESTS: { status: 429, description: 'Rate limited: retry after the Retry-After header' },
  INTERNAL_SERVER_ERROR: { status: 500, description: 'Unexpected fault; the server log holds the detail under the X-Request-Id' },
  SERVICE_UNAVAILABLE: { status: 503, description: 'A service Herald depends on is unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_TABLE;

const BY_STATUS = new Map<number, ErrorCode>(Object.entries(ERROR_TABLE).map(([code, entry]) => [entry.status, code as ErrorCode]));

/** The code for an HTTP status raised outside a procedure (Fastify's own errors); unknown 4xx read as BAD_REQUEST. */
export const codeForStatus = (status: number): ErrorCode => BY_STATUS.get(status) ?? 'BAD_REQUEST';

/** What the OpenAPI document says an answer with this status means. */
export const describeStatus = (status: number): string => ERROR_TABLE[codeForStatus(status)].description;
