import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../server/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Starts an entry point the way `npm run start:api` does, with exactly this environment. */
function runEntryPoint(entry: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('configuration', () => {
  it('has working defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'herald',
      JWT_TTL: '1h',
      whatsappMode: 'sandbox',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('names every invalid variable in one line each', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'no port', MESSAGE_PRICE_UTILITY: '0.12345' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/^PORT .*"abc"/m);
    expect(problems.join('\n')).toMatch(/^DATABASE_URL /m);
    expect(problems.join('\n')).toMatch(/^TEMPORAL_ADDRESS /m);
    expect(problems.join('\n')).toMatch(/^MESSAGE_PRICE_UTILITY /m);
  });

  it('never echoes a secret back in an error', () => {
    expect(() => loadConfig({ SUPER_ADMIN_EMAIL: 'ops@example.com', SUPER_ADMIN_PASSWORD: 'short' })).toThrow(
      /SUPER_ADMIN_PASSWORD must be at least 12 characters$/,
    );
  });

  it('derives where messages go: the built-in sandbox by default, Meta in cloud mode', () => {
    expect(loadConfig({}).whatsapp).toMatchObject({ baseUrl: 'http://127.0.0.1:3000/sandbox/graph', version: 'v23.0' });
    expect(loadConfig({ HERALD_API_URL: 'http://api:3000/' }).whatsapp.baseUrl).toBe('http://api:3000/sandbox/graph');
    const cloud = loadConfig({ WHATSAPP_ACCESS_TOKEN: 't', WHATSAPP_PHONE_NUMBER_ID: '123', WHATSAPP_APP_SECRET: 's' });
    expect(cloud.whatsappMode).toBe('cloud');
    expect(cloud.whatsapp).toEqual({ baseUrl: 'https://graph.facebook.com', version: 'v23.0', phoneNumberId: '123', accessToken: 't' });
  });

  it('reads prices exactly and durations in milliseconds', () => {
    const config = loadConfig({ MESSAGE_PRICE_UTILITY: '0.02', MESSAGE_STATUS_WAIT: '2d', MESSAGE_RECONCILE_INTERVAL: '15s' });
    expect(config.prices).toEqual({ MARKETING: 500n, UTILITY: 200n, AUTHENTICATION: 150n });
    expect(config.messageStatusWaitMs).toBe(2 * 86_400_000);
    expect(config.reconcileIntervalMs).toBe(15_000);
  });

  it('reads TRUST_PROXY as Fastify takes it, and names it in one line when it is not such a value', () => {
    expect(loadConfig({}).TRUST_PROXY).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.4,fd00::/8,loopback' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '192.168.1.4', 'fd00::/8', 'loopback']);
    for (const bad of ['yes', '10.0.0.0/33', '10.0.0.1,proxy.internal', '1.2.3']) {
      let error: unknown;
      try {
        loadConfig({ TRUST_PROXY: bad });
      } catch (caught) {
        error = caught;
      }
      expect((error as ConfigError).problems, bad).toEqual([expect.stringMatching(new RegExp(`^TRUST_PROXY must be .*"${bad}"`))]);
    }
  });

  it('requires the Meta credentials in cloud mode', () => {
    expect(() => loadConfig({ WHATSAPP_MODE: 'cloud' })).toThrow(/WHATSAPP_ACCESS_TOKEN is required when WHATSAPP_MODE=cloud/);
  });

  it('documents every variable in .env.example, whose values load as they are', () => {
    const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect(CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
    expect(() => loadConfig(parseEnv(text))).not.toThrow();
  });

  it('stops the API process at start with the variable named, no stack trace', () => {
    const result = runEntryPoint('server/entrypoints/api.ts', { PORT: 'not-a-port' });
    expect(result.status).toBe(78);
    expect(result.stderr.trim()).toMatch(/^Invalid configuration: PORT must be a port number.*"not-a-port"\)?$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops the worker process when its required settings are missing', () => {
    const result = runEntryPoint('server/entrypoints/worker.ts', {});
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('Invalid configuration: DATABASE_URL is required');
    expect(result.stderr).toContain('Invalid configuration: TEMPORAL_ADDRESS is required');
  });
});
