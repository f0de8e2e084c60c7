import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  bodyParametersOf,
  metaAccepted,
  metaError,
  newWamid,
  SANDBOX_DISPLAY_NUMBER,
  SANDBOX_VERIFIED_NAME,
  SANDBOX_WABA_ID,
  type SandboxIdentity,
  sandboxSendSchema,
  statusEnvelope,
} from './sandbox-format.ts';
import { sandboxAccess, type SandboxAccessOptions } from './sandbox-access.ts';
import { registerSandboxAccounts, type SandboxSignup, type SandboxWabaNumber } from './sandbox-accounts.ts';
import { createWebhookDispatcher, type SandboxLog } from './sandbox-webhooks.ts';
import { registerSandboxTemplates, type SandboxTemplateControl } from './sandbox-templates.ts';
import { firstIssueText } from '../../shared/validation-reason.ts';
import type { TemplateSend } from './types.ts';

export type { SandboxLog } from './sandbox-webhooks.ts';

export interface SandboxDelays {
  /** Each is measured from the moment the send was accepted. */
  sent: number;
  delivered: number;
  read: number;
}

/** One send call the sandbox validated, and how it answered. */
export interface SandboxSendRecord extends Omit<TemplateSend, 'from'> {
  /** The business number in the request's path: the number it leaves from. */
  phoneNumberId: string;
  httpStatus: number;
  wamid: string | undefined;
  errorCode: number | undefined;
  /** When the call arrived (ms since the epoch): how fast a number really sent. */
  receivedAt: number;
}

export interface SandboxOptions {
  prefix?: string;
  /** The platform number's token: every accepted send makes the sandbox post webhooks, so strangers get 401. */
  accessToken: string;
  /**
   * The platform number and its WABA: the platform token reaches only these. Unset (a stand-in for Meta in
   * tests), the platform token reaches any number not registered and any WABA.
   */
  platform?: SandboxAccessOptions['platform'];
  /**
   * The token of a tenant's number (a registered channel), or undefined for a number it does not know, which
   * then takes the platform token or a signup's token for it. A known number takes its own token only.
   */
  numberToken?: (phoneNumberId: string) => Promise<string | undefined>;
  /** The registered numbers of a WABA, for `GET /{waba-id}/phone_numbers` (the platform's is added by itself). */
  wabaNumbers?: (wabaId: string) => Promise<SandboxWabaNumber[]>;
  /** Whether a token is one the sandbox knows (out of its reach it is then Meta's 100, not 190). */
  knownToken?: (token: string) => Promise<boolean>;
  /** A known number's details for `GET /{phone-number-id}`; undefined: Meta's "does not exist". */
  describeNumber?: (
    phoneNumberId: string,
  ) => Promise<{ displayPhoneNumber?: string | undefined; verifiedName?: string | undefined; wabaId?: string | undefined } | undefined>;
  /** Embedded Signup's code exchange; absent: every code is refused. */
  signup?: SandboxSignup;
  /** Whether a registered number's token belongs to this WABA (it may then subscribe the app to it). */
  wabaToken?: (wabaId: string, token: string) => Promise<boolean>;
  /** Called for each accepted `POST /{waba-id}/subscribed_apps`. */
  onSubscribe?: (wabaId: string) => void;
  /** How many throttled (…0002, …0003) numbers are remembered at once; the least recently used is forgotten first. */
  maxThrottledNumbers?: number;
  webhookUrl: string;
  appSecret: string;
  delaysMs?: Partial<SandboxDelays>;
  retryDelaysMs?: number[];
  log?: SandboxLog;
  onSend?: (record: SandboxSendRecord) => void;
  wabaId?: string;
  displayPhoneNumber?: string;
  /** How long the simulated review of a submitted template takes before it is approved (default 2 s); null: never. */
  templateApprovalDelayMs?: number | null;
}

/** A submitted template is approved this long after it was submitted, unless told otherwise. */
const DEFAULT_TEMPLATE_APPROVAL_DELAY_MS = 2_000;

const DEFAULT_SANDBOX_DELAYS: SandboxDelays = { sent: 200, delivered: 1000, read: 2000 };
/** Throttled recipients (…0002, …0003) are refused this many times before a send is accepted. */
const THROTTLED_ATTEMPTS = 2;
const MAX_THROTTLED_NUMBERS = 10_000;
/** Throttled recipients: …0002 hits the number's throughput limit (130429), …0003 the pair rate limit (131056). */
const THROTTLES: Record<string, { httpStatus: number; code: number; title: string; details: string }> = {
  '0002': { httpStatus: 429, code: 130429, title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  '0003': {
    httpStatus: 400,
    code: 131056,
    title: '(Business Account, Consumer Account) pair rate limit hit',
    details: 'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  },
};
/** A template send is a few kilobytes; the simulator refuses anything much larger before parsing it. */
const SEND_BODY_LIMIT_BYTES = 64 * 1024;

export interface SandboxHandle {
  /** Numbers whose throttling count is being kept (bounded by `maxThrottledNumbers`). */
  throttledNumbers(): number;
  /** The per-WABA template registry and its controls. */
  templates: SandboxTemplateControl;
}

const BEARER = /^Bearer (\S+)$/;

/**
 * Meta's Graph API messages endpoint, simulated: the recipient's last four digits choose the outcome
 * (0000 accepted then failed, 0001 refused, 0002 throttled twice, 0003 pair-rate-limited twice, 0004 refused as
 * marketing-stopped (131050), 0005 sent → delivered but never read, 0006 accepted and read but its answer lost (the
 * connection drops before it), anything else sent → delivered → read),
 * and statuses come back as signed webhooks to `webhookUrl`, exactly as Meta would send them.
 */
export async function registerWhatsAppSandbox(app: FastifyInstance, options: SandboxOptions): Promise<SandboxHandle> {
  if (!options.accessToken) throw new Error('the WhatsApp sandbox needs an access token to check callers against');
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
  // Map order is insertion order: re-inserting on use keeps the least recently used number first.
  const throttled = new Map<string, number>();
  const maxThrottled = options.maxThrottledNumbers ?? MAX_THROTTLED_NUMBERS;
  const remember = (digits: string, attempts: number) => {
    throttled.delete(digits);
    throttled.set(digits, attempts);
    while (throttled.size > maxThrottled) throttled.delete(throttled.keys().next().value!);
  };

  // Which token reaches which number and WABA; a signup's token reaches its own number before it is registered.
  const access = sandboxAccess(options);

  // Runs before the body is read, so a stranger's request costs no parsing and triggers nothing.
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) {
      return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'Cannot parse access token'));
    }
    const phoneNumberId = (request.params as { phoneNumberId?: string } | undefined)?.phoneNumberId ?? '';
    if (!(await access.reachesNumber(token, phoneNumberId))) return access.refuse(reply, token, phoneNumberId);
  };

  const send = async (request: FastifyRequest<{ Params: { phoneNumberId: string } }>, reply: FastifyReply) => {
    const parsed = sandboxSendSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(metaError(100, 'Invalid parameter', firstIssueText(parsed.error, 'body', 'invalid request')));
    const body = parsed.data;
    const receivedAt = Date.now();
    const digits = body.to.replace(/^\+/, '');
    const identity: SandboxIdentity = {
      wabaId: options.wabaId ?? SANDBOX_WABA_ID,
      phoneNumberId: request.params.phoneNumberId,
      displayPhoneNumber: options.displayPhoneNumber ?? SANDBOX_DISPLAY_NUMBER,
    };
    const record = (httpStatus: number, wamid?: string, errorCode?: number) =>
      options.onSend?.({
        phoneNumberId: request.params.phoneNumberId,
        to: `+${digits}`,
        templateName: body.template.name,
        language: body.template.language.code,
        bodyParameters: bodyParametersOf(body),
        callbackData: body.biz_opaque_callback_data,
        httpStatus,
        wamid,
        errorCode,
        receivedAt,
      });

    const ending = digits.slice(-4);
    if (ending === '0001') {
      record(400, undefined, 131026);
      return reply.code(400).send(metaError(131026, 'Message undeliverable', 'Message Undeliverable.'));
    }
    if (ending === '0004') {
      record(400, undefined, 131050);
      return reply.code(400).send(metaError(131050, 'Unable to deliver message', 'The user has stopped marketing messages from this business.'));
    }
    const throttle = THROTTLES[ending];
    if (throttle) {
      const attempts = (throttled.get(digits) ?? 0) + 1;
      if (attempts <= THROTTLED_ATTEMPTS) {
        remember(digits, attempts);
        record(throttle.httpStatus, undefined, throttle.code);
        return reply.code(throttle.httpStatus).send(metaError(throttle.code, throttle.title, throttle.details));
      }
      // The next message to this number is throttled again, so every demo shows the retries.
      throttled.delete(digits);
    }

    const wamid = newWamid();
    record(200, wamid);
    // Meta prices every status of a message it accepted, and none of a failed one; it returns the callback data with
    // sent, delivered and read.
    const status = (name: 'sent' | 'delivered' | 'read' | 'failed', error?: { code: number; title: string; details: string }) => () =>
      statusEnvelope(identity, {
        wamid,
        status: name,
        recipientId: digits,
        ...(error ? { error } : { pricing: { billable: true }, callbackData: body.biz_opaque_callback_data }),
      });
    if (ending === '0000') {
      webhooks.schedule(delays.sent, status('failed', { code: 131026, title: 'Message undeliverable', details: 'Message Undeliverable.' }));
    } else {
      webhooks.schedule(delays.sent, status('sent'));
      webhooks.schedule(delays.delivered, status('delivered'));
      // …0005 never reads: what an escalation is for.
      if (ending !== '0005') webhooks.schedule(delays.read, status('read'));
    }
    log.info({ to: `+${digits}`, template: body.template.name, wamid }, 'sandbox accepted a WhatsApp send');
    if (ending === '0006') {
      // Accepted, but the answer never reaches the caller: the connection drops, as when a network fails mid-call.
      reply.hijack();
      request.raw.socket.destroy();
      return;
    }
    return reply.code(200).send(metaAccepted(body.to, digits, wamid));
  };

  // A number's details: only a number the sandbox knows exists, and only its own token reaches it (checked above).
  const numberDetails = async (request: FastifyRequest<{ Params: { phoneNumberId: string } }>, reply: FastifyReply) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1] ?? '';
    // A number reached with a token from the exchange is the new business's own (the check above let it through).
    const known =
      (await options.describeNumber?.(request.params.phoneNumberId)) ?? (access.grantOf(token) || isPlatformNumber(request.params.phoneNumberId) ? {} : undefined);
    if (!known) {
      return reply
        .code(400)
        .send(metaError(100, 'Invalid parameter', `Unsupported get request. Object with ID '${request.params.phoneNumberId}' does not exist`, 'GraphMethodException'));
    }
    return reply.code(200).send({
      id: request.params.phoneNumberId,
      display_phone_number: known.displayPhoneNumber ?? SANDBOX_DISPLAY_NUMBER,
      verified_name: known.verifiedName ?? SANDBOX_VERIFIED_NAME,
      quality_rating: 'GREEN',
    });
  };

  // Anything Fastify itself refuses (malformed JSON, wrong content type) still answers in Meta's error format.
  const metaErrors = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const body = status === 500 ? metaError(1, 'An unknown error occurred', 'Sandbox fault') : metaError(100, 'Invalid parameter', error.message);
    return reply.code(status).send(body);
  };
  const identityOf = async (phoneNumberId: string): Promise<SandboxIdentity> => {
    const known = await options.describeNumber?.(phoneNumberId);
    return {
      wabaId: known?.wabaId ?? options.wabaId ?? SANDBOX_WABA_ID,
      phoneNumberId,
      displayPhoneNumber: known?.displayPhoneNumber ?? options.displayPhoneNumber ?? SANDBOX_DISPLAY_NUMBER,
    };
  };
  const platformNumber = options.platform?.phoneNumberId;
  const isPlatformNumber = (phoneNumberId: string) => platformNumber !== undefined && phoneNumberId === platformNumber;
  // A WABA's numbers: those registered in it, and the platform number in the platform's WABA.
  const wabaNumbers = async (wabaId: string): Promise<SandboxWabaNumber[]> => {
    const registered = (await options.wabaNumbers?.(wabaId)) ?? [];
    const platformWaba = options.platform?.wabaId ?? options.wabaId ?? SANDBOX_WABA_ID;
    if (platformNumber === undefined || wabaId !== platformWaba || registered.some((number) => number.phoneNumberId === platformNumber)) return registered;
    return [{ phoneNumberId: platformNumber, displayPhoneNumber: options.displayPhoneNumber }, ...registered];
  };
  let templates: SandboxTemplateControl | undefined;
  // Routes that check their own credentials (the code exchange has no bearer at all), beside the number routes.
  await app.register(
    async (scope) => {
      scope.setErrorHandler(metaErrors);
      templates = registerSandboxTemplates(scope, {
        access,
        webhooks,
        approvalDelayMs: options.templateApprovalDelayMs === null ? undefined : (options.templateApprovalDelayMs ?? DEFAULT_TEMPLATE_APPROVAL_DELAY_MS),
      });
      registerSandboxAccounts(scope, {
        accessToken: options.accessToken,
        signup: options.signup ?? { redeem: async () => undefined },
        access,
        wabaNumbers,
        onSubscribe: options.onSubscribe,
        identityOf,
        webhooks,
      });
    },
    { prefix: options.prefix ?? '/sandbox/graph' },
  );
  await app.register(
    async (scope) => {
      scope.setErrorHandler(metaErrors);
      scope.addHook('onRequest', authenticate);
      scope.post('/:version/:phoneNumberId/messages', { bodyLimit: SEND_BODY_LIMIT_BYTES }, send);
      scope.get('/:version/:phoneNumberId', numberDetails);
    },
    { prefix: options.prefix ?? '/sandbox/graph' },
  );
  return { throttledNumbers: () => throttled.size, templates: templates! };
}
