import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { freePort } from '../../server/shared/ports.ts';
import { installTemporalLogging } from '../../server/temporal/logging.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { schedule, sendingTenant, waitForMessage } from '../messages/support.ts';

/** The sum of every sample of `name` whose labels include `labels`, from Prometheus text. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('GET /metrics', () => {
  let herald: Harness;
  let workerMetricsUrl: string;
  beforeAll(async () => {
    // Before any harness installs the Temporal runtime: the SDK serves its metrics on this loopback port.
    const sdkPort = await freePort();
    installTemporalLogging(pino({ level: 'silent' }), 'WARN', `127.0.0.1:${sdkPort}`);
    const workerPort = await freePort();
    herald = await startHarness({ worker: true, workerMetrics: { port: workerPort, temporalUrl: `http://127.0.0.1:${sdkPort}/metrics` } });
    workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
  });
  afterAll(() => herald?.close());

  it("moves with a message's lifecycle: requests, status events, the debit and its amount, webhook statuses, sends", async () => {
    const before = (await scrape(`${herald.url}/metrics`)).text;
    const tenant = await sendingTenant(herald, '10.00');
    const scheduled = await schedule(herald, tenant, await tenant.contact('4242', 'Alice'));
    expect(scheduled.status).toBe(201);
    const read = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'READ');
    expect(read.status).toBe('READ');

    const after = await scrape(`${herald.url}/metrics`);
    expect(after.status).toBe(200);
    expect(after.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after.text, name, labels) - sample(before, name, labels);

    // Requests are named by their route pattern, never by the message's id.
    expect(moved('herald_http_requests_total', { method: 'POST', route: '/messages/schedule', status: '201' })).toBe(1);
    expect(moved('herald_http_requests_total', { method: 'GET', route: '/messages/{id}', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(after.text).not.toContain(scheduled.body.id);
    expect(moved('herald_http_request_duration_seconds_count', { route: '/messages/schedule' })).toBe(1);

    for (const status of ['SCHEDULED', 'DISPATCHING', 'SENT', 'DELIVERED', 'READ']) {
      expect(moved('herald_message_status_events_total', { status }), status).toBeGreaterThanOrEqual(1);
    }
    expect(moved('herald_message_status_events_total', { status: 'SENT', source: 'PROVIDER' })).toBe(1);
    // One debit of 0.0200 credits (UTILITY), counted in units of 1/10,000 credit.
    expect(moved('herald_debits_total')).toBe(1);
    expect(moved('herald_debited_units_total')).toBe(200);
    expect(moved('herald_refunds_total')).toBe(0);
    for (const status of ['sent', 'delivered', 'read']) expect(moved('herald_webhook_statuses_total', { status }), status).toBe(1);
    expect(moved('herald_whatsapp_send_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(moved('herald_governor_wait_seconds_count')).toBe(1);
  });

  it('counts a refund with its amount, and a send Meta refused by its error code', async () => {
    const before = (await scrape(`${herald.url}/metrics`)).text;
    const tenant = await sendingTenant(herald, '1.00');
    // The sandbox refuses sends to numbers ending 0001 with error 131026.
    const scheduled = await schedule(herald, tenant, await tenant.contact('0001'));
    const failed = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.chargeState === 'REFUNDED');
    expect(failed).toMatchObject({ status: 'FAILED', chargeState: 'REFUNDED' });
    const after = (await scrape(`${herald.url}/metrics`)).text;
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(moved('herald_refunds_total')).toBe(1);
    expect(moved('herald_refunded_units_total')).toBe(200);
    expect(moved('herald_whatsapp_send_errors_total', { code: '131026' })).toBeGreaterThanOrEqual(1);
    expect(moved('herald_whatsapp_send_duration_seconds_count', { outcome: 'error' })).toBeGreaterThanOrEqual(1);
  });

  it("serves the worker's metrics with the Temporal SDK's own on the worker port", async () => {
    const worker = await scrape(workerMetricsUrl);
    expect(worker.status).toBe(200);
    expect(sample(worker.text, 'herald_debits_total')).toBeGreaterThanOrEqual(1);
    // The SDK's worker metrics, e.g. its polls and activity executions.
    expect(worker.text).toMatch(/^temporal_\w+/m);
    expect(worker.text).toMatch(/^temporal_activity_execution_latency\w*(\{| )/m);
    expect((await scrape(workerMetricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('has every metric the provisioned Grafana dashboard queries', async () => {
    const dashboard = JSON.parse(await readFile(new URL('../../deploy/grafana/dashboards/herald.json', import.meta.url), 'utf8'));
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        // A histogram's series are queried by their _bucket and _count names.
        for (const [name] of String(target.expr).matchAll(/\b(?:herald|temporal)_\w+/g)) queried.add(name.replace(/_(bucket|count|sum)$/, ''));
      }
    }
    expect(queried.size).toBeGreaterThanOrEqual(10);
    const served = (await scrape(`${herald.url}/metrics`)).text + (await scrape(workerMetricsUrl)).text;
    const missing = [...queried].filter((name) => !new RegExp(`^(# TYPE )?${name}(_bucket|_count|_sum)?[ {]`, 'm').test(served));
    expect(missing).toEqual([]);
  });

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    const guarded = await startHarness({ env: { METRICS_TOKEN: 'metrics-secret-token' } });
    try {
      const refused = await rest(guarded, 'GET', '/metrics');
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ code: 'UNAUTHORIZED', data: { reason: 'METRICS_TOKEN_REQUIRED' } });
      expect((await rest(guarded, 'GET', '/metrics', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
      const allowed = await scrape(`${guarded.url}/metrics`, { authorization: 'Bearer metrics-secret-token' });
      expect(allowed.status).toBe(200);
      expect(allowed.text).toContain('herald_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});
