// The production run's API client, behaving as the README asks of callers: on no answer, a 5xx or a 429 it sends the
// same request again (same idempotency key), to the next API, backing off, until a deadline; a 4xx is final.

export interface Answer {
  /** 0 when no answer came (refused, reset, timed out). */
  status: number;
  body: any;
  ms: number;
  /** When the answer came (epoch ms). */
  at: number;
}

export async function call(url: string, method: string, body: unknown, token: string | undefined, timeoutMs = 10_000): Promise<Answer> {
  const started = Date.now();
  try {
    const response = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const parsed = await response.json().catch(() => undefined);
    return { status: response.status, body: parsed, ms: Date.now() - started, at: Date.now() };
  } catch (error) {
    return { status: 0, body: String(error), ms: Date.now() - started, at: Date.now() };
  }
}

export interface RetryingClient {
  /** Sends until a 2xx (returned) or a final refusal or the deadline (undefined; counted in `errors`). */
  post(path: string, body: unknown, first: number): Promise<any>;
  /** Every answer of every attempt, for the scenarios to inspect. */
  onAnswer?: (answer: Answer) => void;
  retries: number;
  errors: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function retryingClient(apis: string[], token: string, deadlineMs = 60_000): RetryingClient {
  const client: RetryingClient = {
    retries: 0,
    errors: [],
    async post(path, body, first) {
      const deadline = Date.now() + deadlineMs;
      let last: Answer | undefined;
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        last = await call(`${apis[(first + attempt) % apis.length]}${path}`, 'POST', body, token);
        client.onAnswer?.(last);
        if (last.status >= 200 && last.status < 300) return last.body;
        if (last.status >= 400 && last.status < 500 && last.status !== 429) break; // refused for a reason: retrying will not help
        client.retries++;
        await sleep(Math.min(200 * 2 ** attempt, 2_000));
      }
      client.errors.push(`POST ${path} gave up: ${last?.status} ${JSON.stringify(last?.body)}`);
      return undefined;
    },
  };
  return client;
}
