// Graph API calls about accounts rather than messages: a number's details (the token check), a WABA's numbers,
// Embedded Signup's code exchange and the app's subscription to a WABA's webhooks.

export interface GraphLocation {
  /** e.g. 'https://graph.facebook.com', or the sandbox's '/sandbox/graph' URL. */
  baseUrl: string;
  version: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** Meta answered with an error (or not at all): `code` is Meta's error.code when there was one. */
export class GraphRefusal extends Error {
  readonly code: number | undefined;
  readonly httpStatus: number | undefined;
  constructor(message: string, code: number | undefined, httpStatus: number | undefined) {
    super(message);
    this.name = 'GraphRefusal';
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

/** One Graph API call; Meta's error (or no answer) is a GraphRefusal. `body` is sent as JSON. */
export async function graphCall(
  location: GraphLocation,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; query?: Record<string, string>; body?: unknown } = {},
): Promise<Json> {
  const url = new URL(`${location.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(location.version)}${path}`);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  let response: Response;
  let text: string;
  try {
    response = await (location.fetch ?? globalThis.fetch)(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(location.timeoutMs ?? 10_000),
    });
    text = await response.text();
  } catch (error) {
    throw new GraphRefusal(`Meta could not be reached: ${error instanceof Error ? error.message : String(error)}`, undefined, undefined);
  }
  let body: Json | undefined;
  try {
    body = asObject(JSON.parse(text));
  } catch {
    body = undefined;
  }
  if (response.ok && body) return body;
  const error = asObject(body?.error);
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const details = asObject(error?.error_data)?.details;
  const message =
    (typeof error?.message === 'string' ? error.message : `HTTP ${response.status} without an error body`) +
    (typeof details === 'string' ? ` (${details})` : '');
  throw new GraphRefusal(message, code, response.status);
}

/** `GET /{phone-number-id}` with the token: proves the token reaches the number, and gives its display number. */
export async function lookUpPhoneNumber(location: GraphLocation, phoneNumberId: string, token: string) {
  const body = await graphCall(location, 'GET', `/${encodeURIComponent(phoneNumberId)}`, {
    token,
    query: { fields: 'display_phone_number,verified_name,quality_rating' },
  });
  return {
    displayPhoneNumber: typeof body.display_phone_number === 'string' ? body.display_phone_number : undefined,
    verifiedName: typeof body.verified_name === 'string' ? body.verified_name : undefined,
  };
}

export interface WabaNumber {
  id: string;
  displayPhoneNumber: string | undefined;
  verifiedName: string | undefined;
}

/** Pages of a WABA's numbers read at most (Meta pages 25 by default; a business has a handful of numbers). */
const MAX_NUMBER_PAGES = 20;

/**
 * `GET /{waba-id}/phone_numbers` with the token, page by page (Meta's `data` and `paging.cursors.after`, while
 * `paging.next` is given), until the number is found: the number as the WABA lists it, or undefined when not there.
 */
export async function findNumberInWaba(location: GraphLocation, wabaId: string, phoneNumberId: string, token: string): Promise<WabaNumber | undefined> {
  let after: string | undefined;
  for (let page = 0; page < MAX_NUMBER_PAGES; page++) {
    const body = await graphCall(location, 'GET', `/${encodeURIComponent(wabaId)}/phone_numbers`, {
      token,
      query: { fields: 'id,display_phone_number,verified_name', limit: '100', ...(after === undefined ? {} : { after }) },
    });
    const found = (Array.isArray(body.data) ? body.data : []).map(asObject).find((entry) => entry?.id === phoneNumberId);
    if (found) {
      return {
        id: phoneNumberId,
        displayPhoneNumber: typeof found.display_phone_number === 'string' ? found.display_phone_number : undefined,
        verifiedName: typeof found.verified_name === 'string' ? found.verified_name : undefined,
      };
    }
    const paging = asObject(body.paging);
    const next = asObject(paging?.cursors)?.after;
    if (typeof paging?.next !== 'string' || typeof next !== 'string' || next === after) return undefined;
    after = next;
  }
  return undefined;
}

/** Embedded Signup: the short-lived code from the business's browser, exchanged for a business token. */
export async function exchangeSignupCode(location: GraphLocation, app: { appId: string; appSecret: string }, code: string): Promise<string> {
  const body = await graphCall(location, 'GET', '/oauth/access_token', {
    query: { client_id: app.appId, client_secret: app.appSecret, code },
  });
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new GraphRefusal('Meta returned no access_token for the code', undefined, 200);
  }
  return body.access_token;
}

/** Subscribes the platform app to the WABA's webhooks, so its statuses and messages reach Herald. */
export async function subscribeAppToWaba(location: GraphLocation, wabaId: string, token: string): Promise<void> {
  const body = await graphCall(location, 'POST', `/${encodeURIComponent(wabaId)}/subscribed_apps`, { token });
  if (body.success !== true) throw new GraphRefusal('Meta did not confirm the webhook subscription', undefined, 200);
}
