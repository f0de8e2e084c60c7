import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseCredits, type Units } from './shared/money.ts';
import { parseEncryptionKey, type EncryptionKey } from './modules/channels/token-box.ts';

/** Where Herald keeps local state (embedded PostgreSQL, Temporal's SQLite file, the dev key pair). */
const DEFAULT_DATA_DIR = path.resolve(import.meta.dirname, '..', '.data');

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const port = (fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be a port number' })
      .int('must be a whole port number')
      .min(1, 'must be a port number between 1 and 65535')
      .max(65535, 'must be a port number between 1 and 65535')
      .default(fallback),
  );
const positiveInt = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').default(fallback));
/** A price in credits as the environment gives it: a decimal with at most four fractional digits. */
const price = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{1,9}(\.\d{1,4})?$/, 'must be a non-negative decimal with at most 4 fractional digits')
      .default(fallback),
  );
const duration = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d+\s*(s|m|h|d)$/, 'must be a duration such as 30s, 15m, 1h or 2d')
      .default(fallback),
  );
const url = (what: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((value) => URL.canParse(value), `must be a ${what} URL`)
      .optional(),
  );

/** proxy-addr's names for address ranges, which Fastify's `trustProxy` takes beside addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isAddressOrCidr = (entry: string) => {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
};
/**
 * Fastify's `trustProxy`: `true`/`false`, a hop count, or comma-separated proxy addresses/CIDRs (and proxy-addr's
 * names `loopback`, `linklocal`, `uniquelocal`). Unset trusts no proxy: X-Forwarded-For is ignored.
 */
const trustProxy = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .transform((value, context): boolean | number | string[] => {
      const trimmed = value.trim().toLowerCase();
      if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
      if (/^\d+$/.test(trimmed)) return Number(trimmed);
      const entries = trimmed.split(',').map((entry) => entry.trim());
      if (entries.every((entry) => PROXY_RANGE_NAMES.has(entry) || isAddressOrCidr(entry))) return entries;
      context.addIssue({ code: 'custom', message: 'must be true, false, a hop count, or comma-separated proxy addresses or CIDRs (e.g. 10.0.0.0/8)' });
      return z.NEVER;
    })
    .optional(),
);

const schema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('development')),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  PORT: port(3000),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  HERALD_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default(DEFAULT_DATA_DIR)),
  HERALD_API_URL: url('http(s)'),

  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(
        (value) => URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol),
        'must be a postgres:// or postgresql:// connection URL',
      )
      .optional(),
  ),
  EMBEDDED_POSTGRES_PORT: port(54329),

  TEMPORAL_ADDRESS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: z.preprocess(emptyToUndefined, z.string().default('default')),
  TEMPORAL_TASK_QUEUE: z.preprocess(emptyToUndefined, z.string().default('herald')),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),

  JWT_PRIVATE_KEY: optionalString,
  JWT_PUBLIC_KEY: optionalString,
  JWT_TTL: duration('1h'),
  JWT_ISSUER: z.preprocess(emptyToUndefined, z.string().default('herald')),
  JWT_AUDIENCE: z.preprocess(emptyToUndefined, z.string().default('herald-api')),

  AUTH_RATE_LIMIT_PER_IP: positiveInt(30),
  AUTH_RATE_LIMIT_PER_EMAIL: positiveInt(10),
  TRUST_PROXY: trustProxy,

  CAMPAIGNS_MAX_ACTIVE: positiveInt(5),

  SUPER_ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email('must be an e-mail address').optional()),
  SUPER_ADMIN_PASSWORD: z.preprocess(
    emptyToUndefined,
    z.string().min(12, 'must be at least 12 characters').optional(),
  ),

  WHATSAPP_MODE: z.preprocess(emptyToUndefined, z.enum(['cloud', 'sandbox']).optional()),
  WHATSAPP_API_BASE_URL: url('http(s)'),
  WHATSAPP_API_VERSION: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^v\d+\.\d+$/, 'must look like v23.0')
      .default('v23.0'),
  ),
  WHATSAPP_PHONE_NUMBER_ID: optionalString,
  WHATSAPP_ACCESS_TOKEN: optionalString,
  WHATSAPP_APP_SECRET: optionalString,
  WHATSAPP_VERIFY_TOKEN: optionalString,
  WHATSAPP_WABA_ID: optionalString,
  WHATSAPP_RATE_LIMIT_PER_SECOND: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int('must be a whole number').min(1, 'must be between 1 and 1000').max(1000, 'must be between 1 and 1000').default(80),
  ),

  META_APP_ID: optionalString,
  META_APP_SECRET: optionalString,
  HERALD_ENCRYPTION_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((value, context) => {
        const parsed = parseEncryptionKey(value);
        if (typeof parsed === 'string') context.addIssue({ code: 'custom', message: parsed });
        return typeof parsed === 'string' ? z.NEVER : parsed;
      })
      .optional(),
  ),
  HERALD_ENCRYPTION_KEYS_PREVIOUS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((value, context) => {
        const keys: EncryptionKey[] = [];
        for (const item of value.split(',').filter((part) => part.trim() !== '')) {
          const parsed = parseEncryptionKey(item);
          if (typeof parsed === 'string') context.addIssue({ code: 'custom', message: `has a key that ${parsed}` });
          else keys.push(parsed);
        }
        return keys;
      })
      .optional(),
  ),

  MESSAGE_PRICE_MARKETING: price('0.0500'),
  MESSAGE_PRICE_UTILITY: price('0.0200'),
  MESSAGE_PRICE_AUTHENTICATION: price('0.0150'),
  MESSAGE_STATUS_WAIT: duration('72h'),
  MESSAGE_RECONCILE_INTERVAL: duration('30s'),
  TEMPLATE_SYNC_INTERVAL: duration('15m'),
  SANDBOX_TEMPLATE_APPROVAL_DELAY: duration('2s'),

  // 0 turns the worker's metrics listener off (a worker that shares the API's process is scraped there).
  WORKER_METRICS_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be a port number or 0' })
      .int('must be a whole port number')
      .min(0, 'must be 0 (off) or a port number up to 65535')
      .max(65535, 'must be 0 (off) or a port number up to 65535')
      .default(9464),
  ),
  METRICS_TOKEN: optionalString,
});

export type Config = z.infer<typeof schema> & {
  whatsappMode: 'cloud' | 'sandbox';
  /** Credits per message by template category, in units of 1/10,000 credit. */
  prices: Record<'MARKETING' | 'UTILITY' | 'AUTHENTICATION', Units>;
  messageStatusWaitMs: number;
  reconcileIntervalMs: number;
  templateSyncIntervalMs: number;
  sandboxTemplateApprovalDelayMs: number;
  /**
   * Where and as whom messages are sent; in sandbox mode, the simulator this API serves itself. The token is
   * unset in sandbox mode without WHATSAPP_ACCESS_TOKEN: whatsappSettings() supplies the generated one.
   */
  whatsapp: { baseUrl: string; version: string; phoneNumberId: string; accessToken: string | undefined };
  /** Signs (sandbox) and verifies Meta's webhooks: WHATSAPP_APP_SECRET, else the platform app's META_APP_SECRET. */
  webhookAppSecret: string | undefined;
};

const SANDBOX_PHONE_NUMBER_ID = '100000000000001';

const DURATION_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** "30s", "15m", "72h", "2d" → milliseconds (the schema has checked the form). */
function durationMs(value: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(value)!;
  return Number(match[1]) * DURATION_MS[match[2] as keyof typeof DURATION_MS];
}

/** Every environment variable Herald reads (the README's and .env.example's tables list these). */
export const CONFIG_VARIABLES = Object.keys(schema.shape).filter((name) => name !== 'NODE_ENV');

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates configuration once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const raw = env[name];
      const shown = raw === undefined || /KEY|SECRET|PASSWORD|TOKEN/.test(name) ? '' : ` (got "${raw}")`;
      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const values = parsed.data;
  const problems: string[] = [];
  if (Boolean(values.JWT_PRIVATE_KEY) !== Boolean(values.JWT_PUBLIC_KEY)) {
    problems.push('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together');
  }
  if (Boolean(values.SUPER_ADMIN_EMAIL) !== Boolean(values.SUPER_ADMIN_PASSWORD)) {
    problems.push('SUPER_ADMIN_EMAIL and SUPER_ADMIN_PASSWORD must be set together');
  }
  const whatsappMode = values.WHATSAPP_MODE ?? (values.WHATSAPP_ACCESS_TOKEN ? 'cloud' : 'sandbox');
  if (whatsappMode === 'cloud') {
    for (const name of ['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID'] as const) {
      if (!values[name]) problems.push(`${name} is required when WHATSAPP_MODE=cloud`);
    }
    if (!values.WHATSAPP_APP_SECRET && !values.META_APP_SECRET) {
      problems.push('WHATSAPP_APP_SECRET (or META_APP_SECRET) is required when WHATSAPP_MODE=cloud');
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...values,
    whatsappMode,
    prices: {
      MARKETING: parseCredits(values.MESSAGE_PRICE_MARKETING)!,
      UTILITY: parseCredits(values.MESSAGE_PRICE_UTILITY)!,
      AUTHENTICATION: parseCredits(values.MESSAGE_PRICE_AUTHENTICATION)!,
    },
    whatsapp:
      whatsappMode === 'cloud'
        ? {
            baseUrl: values.WHATSAPP_API_BASE_URL ?? 'https://graph.facebook.com',
            version: values.WHATSAPP_API_VERSION,
            phoneNumberId: values.WHATSAPP_PHONE_NUMBER_ID!,
            accessToken: values.WHATSAPP_ACCESS_TOKEN!,
          }
        : {
            baseUrl: values.WHATSAPP_API_BASE_URL ?? `${(values.HERALD_API_URL ?? `http://127.0.0.1:${values.PORT}`).replace(/\/+$/, '')}/sandbox/graph`,
            version: values.WHATSAPP_API_VERSION,
            phoneNumberId: values.WHATSAPP_PHONE_NUMBER_ID ?? SANDBOX_PHONE_NUMBER_ID,
            accessToken: values.WHATSAPP_ACCESS_TOKEN,
          },
    webhookAppSecret: values.WHATSAPP_APP_SECRET ?? values.META_APP_SECRET,
    messageStatusWaitMs: durationMs(values.MESSAGE_STATUS_WAIT),
    reconcileIntervalMs: durationMs(values.MESSAGE_RECONCILE_INTERVAL),
    templateSyncIntervalMs: durationMs(values.TEMPLATE_SYNC_INTERVAL),
    sandboxTemplateApprovalDelayMs: durationMs(values.SANDBOX_TEMPLATE_APPROVAL_DELAY),
  };
}

/** Entry points call this: a bad configuration ends the process with one line per problem, no stack. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`Invalid configuration: ${problem}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** Entry points that run without the embedded defaults (`start:api`, `start:worker`) need these set. */
export function requireSettings<K extends keyof Config>(config: Config, names: K[], hint: string): void {
  const missing = names.filter((name) => config[name] === undefined);
  if (missing.length > 0) {
    for (const name of missing) console.error(`Invalid configuration: ${String(name)} is required (${hint})`);
    process.exit(78);
  }
}
