import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '../server/trpc/router.ts';

export type { AppRouter };
export type HeraldClient = TRPCClient<AppRouter>;

export interface HeraldClientOptions {
  /** Herald's base URL, e.g. `http://localhost:3000` (the client talks to `<url>/trpc`). */
  url: string;
  /** A JWT from `auth.login` / `auth.registerTenant`; a function is called before every request. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** Replace the global fetch (tests, proxies). */
  fetch?: typeof fetch;
}

/** A fully typed tRPC client for Herald: every procedure, its input and its output, checked at compile time. */
export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  const base = options.url.replace(/\/+$/, '');
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/trpc`,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        async headers() {
          const token = typeof options.token === 'function' ? await options.token() : options.token;
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}
