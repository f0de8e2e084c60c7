// The one way a test waits for something to become true: it reads again until the answer is accepted, and if
// the time runs out it fails saying what it saw last, instead of handing a stale answer to the next assertion.
import { inspect } from 'node:util';

export interface EventuallyOptions {
  /** How long to keep reading, from the first read (which always happens). */
  timeoutMs?: number;
  /** The pause between reads. */
  intervalMs?: number;
  /** What is being waited for, for the failure message. */
  what?: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `read` until `accept` holds for its answer, and returns that answer. A read or an accept that throws
 * counts as "not yet" (so `read` may be a plain `expect`, accepted once it passes); past the deadline this
 * throws with the last answer (or the last error).
 */
export async function eventually<T>(read: () => T | Promise<T>, accept: (value: T) => boolean = () => true, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 200, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await read();
      last = { value };
      if (accept(value)) return value;
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const seen = last && 'error' in last ? `last error: ${inspect(last.error, { depth: 6 })}` : `last value: ${inspect(last?.value, { depth: 6 })}`;
  throw new Error(`Waited ${timeoutMs} ms for ${what}; it never held. ${seen}`);
}
