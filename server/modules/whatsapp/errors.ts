/** How a failed send is handled, decided from Meta's error.code (not the HTTP status): retried, or a refusal. */
export type RetryAdvice = 'retry' | 'never';

/** Throughput limit, pair rate limit, number upgrading, temporary API service error: back off and retry. */
const RETRY_CODES = new Set([130429, 131056, 131057, 2]);
/**
 * Undeliverable, outside the re-engagement window, template parameter or approval problems; and 131049
 * (held back for ecosystem engagement), which would only be worth another try hours later, so it fails
 * and is refunded rather than holding the message and its charge that long.
 */
const NEVER_CODES = new Set([131026, 131047, 131049, 132000, 132001, 132012, 132015]);

/**
 * Meta's error code wins over the HTTP status (sources disagree whether throttling comes as 400 or 429);
 * with no known code the status decides, and no status at all means a network error or timeout.
 */
export function classifyWhatsAppError(code: number | undefined, httpStatus: number | undefined): RetryAdvice {
  if (code !== undefined) {
    if (RETRY_CODES.has(code)) return 'retry';
    if (NEVER_CODES.has(code)) return 'never';
  }
  if (httpStatus === undefined) return 'retry';
  if (httpStatus >= 500 || httpStatus === 429) return 'retry';
  // Any other 4xx is a request Meta will refuse again; an odd status (a 2xx without a wamid) must not be resent blindly.
  return 'never';
}
