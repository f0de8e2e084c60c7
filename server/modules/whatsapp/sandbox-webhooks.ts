import type { FastifyBaseLogger } from 'fastify';
import { signPayload } from './signature.ts';

export type SandboxLog = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

export interface WebhookDispatcherOptions {
  url: string;
  appSecret: string;
  log: SandboxLog;
  /** Pause before each further attempt when a delivery fails (Meta retries too, for days). */
  retryDelaysMs?: number[];
  timeoutMs?: number;
}

export interface WebhookDispatcher {
  /** Posts the body built at fire time (so its timestamp is the event's) after `delayMs`. */
  schedule(delayMs: number, build: () => unknown): void;
  /** Number of timers and requests still outstanding. */
  pending(): number;
  /** Cancels every timer and in-flight delivery. */
  close(): void;
}

/** Signed webhook deliveries with retries, every timer tracked so closing leaves nothing running. */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { url, appSecret, log, retryDelaysMs = [500, 2000, 5000, 15_000], timeoutMs = 5000 } = options;
  const timers = new Set<NodeJS.Timeout>();
  const closing = new AbortController();
  let inFlight = 0;

  const later = (delayMs: number, work: () => void) => {
    if (closing.signal.aborted) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, delayMs);
    timers.add(timer);
  };

  const deliver = async (raw: Buffer, attempt: number): Promise<void> => {
    let problem: string;
    inFlight += 1;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(raw, appSecret) },
        body: raw,
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.body?.cancel();
      if (response.status === 200) return;
      problem = `HTTP ${response.status}`;
    } catch (error) {
      if (closing.signal.aborted) return;
      problem = error instanceof Error ? error.message : String(error);
    } finally {
      inFlight -= 1;
    }
    const pause = retryDelaysMs[attempt];
    if (pause === undefined) {
      log.error({ url, attempts: attempt + 1, problem }, 'sandbox webhook undelivered; giving up');
      return;
    }
    log.warn({ url, attempt: attempt + 1, problem, retryInMs: pause }, 'sandbox webhook delivery failed; will retry');
    later(pause, () => void deliver(raw, attempt + 1));
  };

  return {
    schedule(delayMs, build) {
      // Retries resend the same bytes, as Meta does.
      later(delayMs, () => void deliver(Buffer.from(JSON.stringify(build())), 0));
    },
    pending: () => timers.size + inFlight,
    close() {
      closing.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
