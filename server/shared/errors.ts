import type { ErrorCode } from './error-table.ts';

/** The codes domain code throws; each is also a tRPC error code, from which the REST bridge derives the status. */
export type AppErrorCode = Exclude<ErrorCode, 'METHOD_NOT_SUPPORTED' | 'UNSUPPORTED_MEDIA_TYPE' | 'INTERNAL_SERVER_ERROR'>;

/** The one typed error domain code throws; `reason` is a stable machine-readable detail. */
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
