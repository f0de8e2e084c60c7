/**
 * The one typed error domain code throws. The tRPC layer maps `code` to its own error code, and the
 * REST bridge derives the HTTP status from that; `reason` is a stable machine-readable detail.
 */
export const APP_ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly reason: string | undefined;

  constructor(code: AppErrorCode, message: string, options: { reason?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.reason = options.reason;
  }
}

/** What a caller sees of an unexpected fault: no detail, only the id under which the log keeps it. */
export const internalErrorMessage = (requestId: string | undefined): string => `Internal server error (request id ${requestId ?? 'unknown'})`;
