import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { registerWhatsAppSandbox, type SandboxDelays, type SandboxHandle, type SandboxOptions, type SandboxSendRecord } from './sandbox.ts';
import type { SandboxLog } from './sandbox-webhooks.ts';

export interface SandboxNumber {
  phoneNumberId: string;
  accessToken: string;
  /** The WABA the number belongs to: it lists the number, and the number's token reaches it. */
  wabaId: string;
  displayPhoneNumber?: string;
}

export interface SandboxServer extends SandboxHandle {
  /** Makes a business number known, with the only token it takes (as a tenant's number is on Meta). */
  addNumber(number: SandboxNumber): void;
  /** An Embedded Signup code it accepts once, yielding the number's token (the number becomes known too). */
  addSignupCode(code: string, number: SandboxNumber): void;
  /** The WABA ids the app was subscribed to (`POST /{waba-id}/subscribed_apps`), in arrival order. */
  subscriptions: string[];
  /** Base URL for WHATSAPP_API_BASE_URL, e.g. http://127.0.0.1:41234/sandbox/graph. */
  url: string;
  /** The bearer token it accepts (the one given, or one generated for this server). */
  accessToken: string;
  /** Every validated send call, in arrival order. */
  sent: SandboxSendRecord[];
  close(): Promise<void>;
}

/** The sandbox on its own loopback HTTP server (tests, scripts). */
export async function startSandboxServer(options: {
  port?: number;
  webhookUrl: string;
  appSecret: string;
  accessToken?: string;
  maxThrottledNumbers?: number;
  delaysMs?: Partial<SandboxDelays>;
  retryDelaysMs?: number[];
  log?: SandboxLog;
  /** The platform app Embedded Signup's exchange must name (META_APP_ID, META_APP_SECRET); absent: any. */
  app?: { appId: string; appSecret: string } | undefined;
  /** The platform number and WABA, the only ones the platform token then reaches; absent: any not registered. */
  platform?: SandboxOptions['platform'];
  templateApprovalDelayMs?: number | null;
}): Promise<SandboxServer> {
  const app = Fastify({ logger: false });
  const sent: SandboxSendRecord[] = [];
  const prefix = '/sandbox/graph';
  const accessToken = options.accessToken ?? randomBytes(24).toString('base64url');
  const numbers = new Map<string, SandboxNumber>();
  const signupCodes = new Map<string, SandboxNumber>();
  const subscriptions: string[] = [];
  const handle = await registerWhatsAppSandbox(app, {
    ...options,
    accessToken,
    prefix,
    onSend: (record) => sent.push(record),
    numberToken: async (phoneNumberId) => numbers.get(phoneNumberId)?.accessToken,
    describeNumber: async (phoneNumberId) => numbers.get(phoneNumberId),
    signup: {
      app: options.app,
      // Meta's codes are single-use.
      redeem: async (code) => {
        const number = signupCodes.get(code);
        signupCodes.delete(code);
        return number;
      },
    },
    wabaToken: async (wabaId, token) => [...numbers.values()].some((number) => number.wabaId === wabaId && number.accessToken === token),
    wabaNumbers: async (wabaId) => [...numbers.values()].filter((number) => number.wabaId === wabaId),
    knownToken: async (token) => [...numbers.values()].some((number) => number.accessToken === token),
    onSubscribe: (wabaId) => void subscriptions.push(wabaId),
  });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    accessToken,
    sent,
    addNumber: (number) => void numbers.set(number.phoneNumberId, number),
    addSignupCode(code, number) {
      numbers.set(number.phoneNumberId, number);
      signupCodes.set(code, number);
    },
    subscriptions,
    throttledNumbers: handle.throttledNumbers,
    templates: handle.templates,
    close: () => app.close(),
  };
}
