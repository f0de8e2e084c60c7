// `npm run bench -- campaign`: one campaign to 10,000 contacts through the real path (API and worker processes,
// the Graph API client, the local Meta stand-in), on a channel limited to 20 sends/s. Measured: the API's answer
// time (goal ≤ 2 s), the time to the first send, the most messages created and not yet dispatched at once (they
// are created just in time, within the campaign's window), and the dispatch rate where Meta would see it (the
// stand-in's arrival times) against the channel's limit, over a window; the campaign is then cancelled.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { postEntry } from '../server/modules/billing/ledger.service.ts';
import { units } from '../server/shared/money.ts';
import { callJson } from '../scripts/lib/http-json.ts';
import type { Engines } from '../scripts/lib/engines.ts';
import { campaignWindow } from '../server/modules/campaigns/campaign-run.service.ts';
import { channelTemplate, tenantOverHttp } from './lib/fixtures.ts';
import { startHeraldWithStandIn } from './lib/processes.ts';
import { printResult, progress, RESULTS_DIR, round, say } from './lib/report.ts';

const CONTACTS = Number(process.env.BENCH_CAMPAIGN_CONTACTS ?? 10_000);
const LIMIT = Number(process.env.BENCH_CAMPAIGN_RATE ?? 20);
/** How long dispatch is watched before the campaign is cancelled (all 10,000 at 20/s would take over 8 minutes). */
const WINDOW_S = Number(process.env.BENCH_CAMPAIGN_WINDOW_S ?? 45);

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
  const { apiUrl, sandbox, stop } = await startHeraldWithStandIn(engines);
  try {
    // Ordinary sandbox numbers (never ending 0000/0001/0002): 7,000 per three-digit block.
    const contacts = Array.from({ length: CONTACTS }, (_, i) => ({ phone: `+1555${700 + Math.floor(i / 7_000)}${3000 + (i % 7_000)}`, name: `Reader ${i}` }));
    const { token, tenantId } = await tenantOverHttp(apiUrl, contacts);
    await postEntry(engines.orm.em.fork(), { tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(100_000_000_000n), description: 'bench' });
    const phoneNumberId = `4${String(Date.now()).slice(-9)}1`;
    const accessToken = `EAAG${randomBytes(24).toString('base64url')}`;
    sandbox.addNumber({ phoneNumberId, accessToken, wabaId: '310000000000001' });
    const channel = await callJson(`${apiUrl}/channels`, 'POST', { name: `${LIMIT}/s`, wabaId: '310000000000001', phoneNumberId, accessToken, rateLimitPerSecond: LIMIT }, token);
    const templateId = await channelTemplate(apiUrl, token, channel.id);

    const asked = performance.now();
    const campaign = await callJson(`${apiUrl}/campaigns`, 'POST', {
      name: 'Bench', templateId, channelId: channel.id, scheduleTime: new Date().toISOString(), idempotencyKey: randomUUID(), audience: { filter: {} },
    }, token);
    const answerMs = performance.now() - asked;
    say(`  POST /campaigns answered in ${round(answerMs)} ms (goal ≤ 2,000): audience ${campaign.audienceSize}, estimated ${campaign.estimatedCost}`);

    const waiting = async () =>
      (await engines.orm.em.fork().getConnection().execute<{ n: number }[]>("select count(*)::int as n from message where campaign_id = ? and status = 'SCHEDULED'", [campaign.id]))[0]!.n;
    const sendTimes = () => sandbox.sent.filter((record) => record.phoneNumberId === phoneNumberId && record.httpStatus === 200).map((record) => record.receivedAt);
    const line = progress('campaign');
    let peakWaiting = 0;
    let firstSendMs: number | undefined;
    for (;;) {
      const elapsed = performance.now() - asked;
      peakWaiting = Math.max(peakWaiting, await waiting());
      const times = sendTimes();
      if (firstSendMs === undefined && times.length > 0) firstSendMs = elapsed;
      line.update(`${peakWaiting} waiting at most, ${times.length} sent, ${round(elapsed / 1000)} s`);
      const watched = times.length > 0 ? (Date.now() - Math.min(...times)) / 1000 : 0;
      if (watched >= WINDOW_S) break;
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
      first_send_ms: round(firstSendMs!),
      peak_waiting: peakWaiting,
      window: campaignWindow(LIMIT),
      dispatch_per_s: round(rate),
      channel_limit: LIMIT,
      dispatch_of_limit: round(rate / LIMIT, 2),
      busiest_second: Math.max(...perSecond),
      sent_in_window: times.length,
    };
    say(`  first send after ${round(firstSendMs! / 1000)} s; at most ${peakWaiting} messages waited undispatched (window ${result.window}); dispatch ${result.dispatch_per_s}/s against the limit ${LIMIT}/s`);
    say(`chart: ${await writeRateChart(perSecond, LIMIT)}`);
    printResult({ benchmark: 'campaign', ...result });
    return result;
  } finally {
    await stop();
  }
}
