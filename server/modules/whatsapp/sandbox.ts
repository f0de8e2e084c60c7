import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  bodyParametersOf,
  metaAccepted,
  metaError,
  newWamid,
  type SandboxIdentity,
  sandboxSendSchema,
  statusEnvelope,
} from './sandbox-format.ts';
import { createWebhookDispatcher, type SandboxLog } from './sandbox-webhooks.ts';
import type { TemplateSend } from './types.ts';

export type { SandboxLog } from './sandbox-webhooks.ts';

export interface SandboxDelays {
  /** Each is measured from the moment the send was accepted. */
  sent: number;
  delivered: number;
  read: number;
}

/** One send call the sandbox validated, and how it answered. */
export interface SandboxSendRecord extends TemplateSend {
  httpStatus: number;
  wamid: string | undefined;
  errorCode: number | undefined;
}

export interface SandboxOptions {
  prefix?: string;
  webhookUrl: string;
  appSecret: string;
  delaysMs?: Partial<SandboxDelays>;
  retryDelaysMs?: number[];
  log?: SandboxLog;
  onSend?: (record: SandboxSendRecord) => void;
  wabaId?: string;
  displayPhoneNumber?: string;
}

export const DEFAULT_SANDBOX_DELAYS: SandboxDelays = { sent: 200, delivered: 1000, read: 2000 };
/** Recipients ending 0002 are throttled this many times before a send is accepted. */
const THROTTLED_ATTEMPTS = 2;

/**
 * Meta's Graph API messages endpoint, simulated: the recipient's last four digits choose the outcome
 * (0000 accepted then failed, 0001 refused, 0002 throttled twice, anything else sent → delivered → read),
 * and statuses come back as signed webhooks to `webhookUrl`, exactly as Meta would send them.
 */
export async function registerWhatsAppSandbox(app: FastifyInstance, options: SandboxOptions): Promise<void> {
  const delays = { ...DEFAULT_SANDBOX_DELAYS, ...options.delaysMs };
  const log = options.log ?? app.log;
  const webhooks = createWebhookDispatcher({
    url: options.webhookUrl,
    appSecret: options.appSecret,
    log,
    ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
  });
  // Ctrl-C and test teardown must not leave webhook timers behind.
  app.addHook('onClose', async () => webhooks.close());
  const throttled = new Map<string, number>();

  const send = async (request: FastifyRequest<{ Params: { phoneNumberId: string } }>, reply: FastifyReply) => {
    if (!/^Bearer \S+/.test(request.headers.authorization ?? '')) {
      return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'Cannot parse access token'));
    }
    const parsed = sandboxSendSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const details = issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid request';
      return reply.code(400).send(metaError(100, 'Invalid parameter', details));
    }
    const body = parsed.data;
    const digits = body.to.replace(/^\+/, '');
    const identity: SandboxIdentity = {
      wabaId: options.wabaId ?? '102290129340398',
      phoneNumberId: request.params.phoneNumberId,
      displayPhoneNumber: options.displayPhoneNumber ?? '15550783881',
    };
    const record = (httpStatus: number, wamid?: string, errorCode?: number) =>
      options.onSend?.({
        to: `+${digits}`,
        templateName: body.template.name,
        language: body.template.language.code,
        bodyParameters: bodyParametersOf(body),
        httpStatus,
        wamid,
        errorCode,
      });

    const ending = digits.slice(-4);
    if (ending === '0001') {
      record(400, undefined, 131026);
      return reply.code(400).send(metaError(131026, 'Message undeliverable', 'Message Undeliverable.'));
    }
    if (ending === '0002') {
      const attempts = (throttled.get(digits) ?? 0) + 1;
      if (attempts <= THROTTLED_ATTEMPTS) {
        throttled.set(digits, attempts);
        record(429, undefined, 130429);
        return reply.code(429).send(metaError(130429, 'Rate limit hit', 'Cloud API message throughput has been reached.'));
      }
      // The next message to this number is throttled again, so every demo shows the retries.
      throttled.delete(digits);
    }

    const wamid = newWamid();
    record(200, wamid);
    const status = (name: 'sent' | 'delivered' | 'read' | 'failed', error?: { code: number; title: string; details: string }) => () =>
      statusEnvelope(identity, { wamid, status: name, recipientId: digits, ...(error ? { error } : {}) });
    if (ending === '0000') {
      webhooks.schedule(delays.sent, status('failed', { code: 131026, title: 'Message undeliverable', details: 'Message Undeliverable.' }));
    } else {
      webhooks.schedule(delays.sent, status('sent'));
      webhooks.schedule(delays.delivered, status('delivered'));
      webhooks.schedule(delays.read, status('read'));
    }
    log.info({ to: `+${digits}`, template: body.template.name, wamid }, 'sandbox accepted a WhatsApp send');
    return reply.code(200).send(metaAccepted(body.to, digits, wamid));
  };

  await app.register(
    async (scope) => {
      // Anything Fastify itself refuses (malformed JSON, wrong content type) still answers in Meta's error format.
      scope.setErrorHandler((error: FastifyError, _request, reply) => {
        const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
        const body = status === 500 ? metaError(1, 'An unknown error occurred', 'Sandbox fault') : metaError(100, 'Invalid parameter', error.message);
        return reply.code(status).send(body);
      });
      scope.post('/:version/:phoneNumberId/messages', send);
    },
    { prefix: options.prefix ?? '/sandbox/graph' },
  );
}

export interface SandboxServer {
  /** Base URL for WHATSAPP_API_BASE_URL, e.g. http://127.0.0.1:41234/sandbox/graph. */
  url: string;
  /** Every validated send call, in arrival order. */
  sent: SandboxSendRecord[];
  close(): Promise<void>;
}

/** The sandbox on its own loopback HTTP server (tests, scripts). */
export async function startSandboxServer(options: {
  port?: number;
  webhookUrl: string;
  appSecret: string;
  delaysMs?: Partial<SandboxDelays>;
  retryDelaysMs?: number[];
  log?: SandboxLog;
}): Promise<SandboxServer> {
  const app = Fastify({ logger: false });
  const sent: SandboxSendRecord[] = [];
  const prefix = '/sandbox/graph';
  await registerWhatsAppSandbox(app, { ...options, prefix, onSend: (record) => sent.push(record) });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://127.0.0.1:${port}${prefix}`, sent, close: () => app.close() };
}
