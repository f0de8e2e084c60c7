// The environment of the production run's Herald processes, key for key the one compose gives its api and worker
// (x-herald-env, plus the worker's own): test/platform/compose-parity.test.ts holds the two side by side.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface ProductionSettings {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  dataDir: string;
  /** The Graph stand-in (compose's cloud mode calls Meta itself). */
  graphUrl: string;
  accessToken: string;
  appSecret: string;
  phoneNumberId: string;
}

/** As compose's x-herald-env: every key set, the optional pass-throughs empty (Herald reads an empty value as unset). */
export function sharedEnv(settings: ProductionSettings): Record<string, string> {
  // One JWT pair and one sealing key for every process, as the README asks of production.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: settings.databaseUrl,
    TEMPORAL_ADDRESS: settings.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: settings.taskQueue,
    HERALD_DATA_DIR: settings.dataDir,
    JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    SUPER_ADMIN_EMAIL: '',
    SUPER_ADMIN_PASSWORD: '',
    WHATSAPP_MODE: 'cloud',
    WHATSAPP_PHONE_NUMBER_ID: settings.phoneNumberId,
    WHATSAPP_ACCESS_TOKEN: settings.accessToken,
    WHATSAPP_APP_SECRET: settings.appSecret,
    WHATSAPP_VERIFY_TOKEN: randomBytes(12).toString('base64url'),
    WHATSAPP_WABA_ID: '',
    WHATSAPP_RATE_LIMIT_PER_SECOND: '',
    META_APP_ID: '',
    META_APP_SECRET: '',
    HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    HERALD_ENCRYPTION_KEYS_PREVIOUS: '',
    TEMPLATE_SYNC_INTERVAL: '',
    METRICS_TOKEN: '',
    // Not in compose, whose processes reach Meta itself; here the Graph stand-in answers (cloud mode).
    WHATSAPP_API_BASE_URL: settings.graphUrl,
  };
}

/** An API's own: compose's image sets PORT=3000 and listens on every interface; two APIs on one host need two ports. */
export const apiEnv = (port: number): Record<string, string> => ({ PORT: String(port), HOST: '127.0.0.1' });

/** A worker's own, as compose's worker service adds them: where it reaches the API, and its metrics port. */
export const workerEnv = (apiUrl: string, metricsPort: number): Record<string, string> => ({
  HERALD_API_URL: apiUrl,
  WORKER_METRICS_PORT: String(metricsPort),
});
