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

// Not found, written once each: a 404 for what a path names (another tenant's row is none of the caller's),
// a 422 for an id in a request body that names nothing in the caller's tenant.

/** A message that is not there: for the API without its id (the caller gave it), else with it (the workflows' logs). */
export const messageNotFound = (messageId?: string) =>
  new AppError('NOT_FOUND', messageId ? `Message ${messageId} not found` : 'Message not found', { reason: 'MESSAGE_NOT_FOUND' });

/** A body's channelId that is none of the tenant's channels. */
export const channelNotInTenant = () => new AppError('UNPROCESSABLE_CONTENT', 'No such channel in this tenant', { reason: 'CHANNEL_NOT_FOUND' });
