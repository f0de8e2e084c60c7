// `npm run bench -- campaign`: one campaign to 10,000 contacts through the real path (API and worker processes,
// the Graph API client, the local Meta stand-in), on a channel limited to 20 sends/s. Measured: the API's answer
// time (goal ≤ 2 s), the time until every message workflow exists, and the dispatch rate where Meta would see it
// (the stand-in's arrival times) against the channel's limit, over a window; the campaign is then cancelled.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { postEntry } from '../server/modules/billing/ledger.service.ts';
import { startSandboxServer } from '../server/modules/whatsapp/sandbox-server.ts';
import { units } from '../server/shared/money.ts';
import { callJson } from '../scripts/lib/http-json.ts';
import { freePort } from '../server/shared/ports.ts';
import type { Engines } from '../scripts/lib/engines.ts';
import { tenantOverHttp } from './lib/fixtures.ts';
import { heraldEnv, startHeraldProcess, waitForHttp } from './lib/processes.ts';
import { printResult, progress, RESULTS_DIR, round, say } from './lib/report.ts';

const CONTACTS = Number(process.env.BENCH_CAMPAIGN_CONTACTS ?? 10_000);
const LIMIT = Number(process.env.BENCH_CAMPAIGN_RATE ?? 20);
/** How long dispatch is watched before the campaign is cancelled (all 10,000 at 20/s would take over 8 minutes). */
const WINDOW_S = Number(process.env.BENCH_CAMPAIGN_WINDOW_S ?? 45);
const STATUS_DELAYS = { sent: 600_000, delivered: 600_000, read: 600_000 };

/** Sends per whole second since the first, as a line chart written to bench/results/campaign.svg. */
async function writeRateChart(perSecond: number[], limit: number): Promise<string> {
  const values = perSecond.flatMap((sends, second) => [
    { second, series: 'sends', value: sends },
    { second, series: 'channel limit', value: limit },
  ]);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Campaign of ${CONTACTS.toLocaleString('en-US')}: sends per second at Meta's stand-in`,
    data: { values },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'second', type: 'quantitative', title: 'seconds since the first send' },
      y: { field: 'value', type: 'quantitative', title: 'sends per second' },
      color: { field: 'series', type: 'nominal', title: null },
    },
    width: 420,
    height: 220,
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, 'campaign.svg');
  await writeFile(file, svg);
  return file;
}

export async function benchCampaign(engines: Engines) {
  say(`campaign: ${CONTACTS} contacts, a channel at ${LIMIT}/s, dispatch watched for ${WINDOW_S} s (Temporal: ${engines.temporalKind} server)`);
  const temporalAddress = await engines.temporalAddress();
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const appSecret = randomUUID();
  const platformToken = `bench-${randomUUID()}`;
  const sandbox = await startSandboxServer({ webhookUrl: `${apiUrl}/webhook/meta`, appSecret, accessToken: platformToken, delaysMs: STATUS_DELAYS, log: { info() {}, warn() {}, error() {} } });
  const env = heraldEnv(engines, temporalAddress, port, { WHATSAPP_API_BASE_URL: sandbox.url, WHATSAPP_ACCESS_TOKEN: platformToken, WHATSAPP_APP_SECRET: appSecret });
  const api = startHeraldProcess('api', env);
  const worker = startHeraldProcess('worker', env);
  try {
    await waitForHttp(`${apiUrl}/healthz`);
    // Ordinary sandbox numbers (never ending 0000/0001/0002): 7,000 per three-digit block.
    const contacts = Array.from({ length: CONTACTS }, (_, i) => ({ phone: `+1555${700 + Math.floor(i / 7_000)}${3000 + (i % 7_000)}`, name: `Reader ${i}` }));
    const { token, tenantId, templateId } = await tenantOverHttp(apiUrl, contacts);
    await postEntry(engines.orm.em.fork(), { tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(100_000_000_000n), description: 'bench' });
    const phoneNumberId = `4${String(Date.now()).slice(-9)}1`;
    const accessToken = `EAAG${randomBytes(24).toString('base64url')}`;
    sandbox.addNumber({ phoneNumberId, accessToken, wabaId: '310000000000001' });
    const channel = await callJson(`${apiUrl}/channels`, 'POST', { name: `${LIMIT}/s`, wabaId: '310000000000001', phoneNumberId, accessToken, rateLimitPerSecond: LIMIT }, token);

    const asked = performance.now();
    const campaign = await callJson(`${apiUrl}/campaigns`, 'POST', {
      name: 'Bench', templateId, channelId: channel.id, scheduleTime: new Date().toISOString(), idempotencyKey: randomUUID(), audience: { filter: {} },
    }, token);
    const answerMs = performance.now() - asked;
    say(`  POST /campaigns answered in ${round(answerMs)} ms (goal ≤ 2,000): audience ${campaign.audienceSize}, estimated ${campaign.estimatedCost}`);

    const started = async () =>
      (await engines.orm.em.fork().getConnection().execute<{ n: number }[]>('select count(*)::int as n from message where campaign_id = ? and workflow_started', [campaign.id]))[0]!.n;
    const sendTimes = () => sandbox.sent.filter((record) => record.phoneNumberId === phoneNumberId && record.httpStatus === 200).map((record) => record.receivedAt);
    const line = progress('campaign');
    let allStartedMs: number | undefined;
    for (;;) {
      const elapsed = performance.now() - asked;
      const workflows = allStartedMs === undefined ? await started() : CONTACTS;
      if (allStartedMs === undefined && workflows >= campaign.audienceSize) allStartedMs = elapsed;
      const times = sendTimes();
      line.update(`${workflows}/${campaign.audienceSize} workflows, ${times.length} sent, ${round(elapsed / 1000)} s`);
      const watched = times.length > 0 ? (Date.now() - Math.min(...times)) / 1000 : 0;
      if (allStartedMs !== undefined && watched >= WINDOW_S) break;
      if (elapsed > 600_000) throw new Error('the campaign did not get going within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    line.done();
    await callJson(`${apiUrl}/campaigns/${campaign.id}/cancel`, 'POST', undefined, token);

    const times = sendTimes().sort((a, b) => a - b);
    const first = times[0]!;
    const perSecond = Array.from({ length: Math.floor((times.at(-1)! - first) / 1000) }, () => 0);
    for (const time of times) {
      const second = Math.floor((time - first) / 1000);
      if (second < perSecond.length) perSecond[second]! += 1;
    }
    const rate = (times.length - 1) / ((times.at(-1)! - first) / 1000);
    const result = {
      contacts: CONTACTS,
      api_answer_ms: round(answerMs),
      all_workflows_ms: round(allStartedMs!),
      workflows_per_s: round(campaign.audienceSize / (allStartedMs! / 1000)),
      dispatch_per_s: round(rate),
      channel_limit: LIMIT,
      dispatch_of_limit: round(rate / LIMIT, 2),
      busiest_second: Math.max(...perSecond),
      sent_in_window: times.length,
    };
    say(`  every message workflow existed after ${round(allStartedMs! / 1000)} s (${result.workflows_per_s}/s); dispatch ${result.dispatch_per_s}/s against the limit ${LIMIT}/s`);
    say(`chart: ${await writeRateChart(perSecond, LIMIT)}`);
    printResult({ benchmark: 'campaign', ...result });
    return result;
  } finally {
    await api.stop();
    await worker.stop();
    await sandbox.close();
  }
}
