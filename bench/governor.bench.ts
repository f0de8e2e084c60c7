// `npm run bench -- governor`: two businesses' numbers, one limited to 20 sends/s and one at Meta's default
// 80/s, each with 400 messages due at the same instant, through the real path (API and worker processes,
// the Graph API client, the local Meta stand-in). Each number's achieved send rate is measured where Meta
// would see it: the stand-in's arrival times of the accepted send calls.
import { randomBytes, randomUUID } from 'node:crypto';
import { postEntry } from '../server/modules/billing/ledger.service.ts';
import { startSandboxServer, type SandboxServer } from '../server/modules/whatsapp/sandbox-server.ts';
import { units } from '../server/shared/money.ts';
import { callJson } from '../scripts/lib/http-json.ts';
import { freePort } from '../server/shared/ports.ts';
import type { Engines } from '../scripts/lib/engines.ts';
import { channelTemplate, tenantOverHttp } from './lib/fixtures.ts';
import { heraldEnv, startHeraldProcess, waitForHttp } from './lib/processes.ts';
import { printResult, progress, round, say, writeBarChart } from './lib/report.ts';
import { busiestSecond } from './lib/arrivals.ts';

const MESSAGES = Number(process.env.BENCH_GOVERNOR_MESSAGES ?? 400);
// The limit under test; below what the machine can send in all (about 28/s on 2 cores), so the governor, not the machine, binds.
const LIMITED = Number(process.env.BENCH_GOVERNOR_LIMIT ?? 20);
const UNLIMITED = 80;
/** Meta's statuses are held back (10 min): the cores go to the sends measured here; lifecycle measures the full loop. */
const STATUS_DELAYS = { sent: 600_000, delivered: 600_000, read: 600_000 };

export interface GovernorResult {
  limited_per_s: number;
  limit: number;
  unlimited_per_s: number;
  unlimited_limit: number;
  /** How far the limited number's rate is from its limit, in percent (goal: within 10). */
  limited_off_pct: number;
  /** The most sends of the limited number inside any one second. */
  limited_busiest_second: number;
  messages: number;
}

interface BusinessNumber {
  label: string;
  limit: number;
  phoneNumberId: string;
  apiUrl: string;
  token: string;
  templateId: string;
  contactIds: string[];
}

/** A tenant over HTTP with its own channel at `limit` sends per second, known to the stand-in by its own token. */
async function businessNumber(engines: Engines, sandbox: SandboxServer, apiUrl: string, index: number, limit: number): Promise<BusinessNumber> {
  const contacts = Array.from({ length: MESSAGES }, (_, i) => ({ phone: `+1555${600 + index}${String(3000 + i).padStart(4, '0')}`, name: `Reader ${i}` }));
  const { token, tenantId, contactIds } = await tenantOverHttp(apiUrl, contacts);
  await postEntry(engines.orm.em.fork(), { tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(100_000_000_000n), description: 'bench' });
  const phoneNumberId = `3${String(Date.now()).slice(-9)}${index}`;
  const accessToken = `EAAG${randomBytes(24).toString('base64url')}`;
  sandbox.addNumber({ phoneNumberId, accessToken, wabaId: '310000000000001' });
  const channel = await callJson(`${apiUrl}/channels`, 'POST', { name: `${limit}/s`, wabaId: '310000000000001', phoneNumberId, accessToken, rateLimitPerSecond: limit }, token);
  const templateId = await channelTemplate(apiUrl, token, channel.id);
  return { label: `${limit}/s number`, limit, phoneNumberId, apiUrl, token, templateId, contactIds };
}

/** Achieved rate: sends after the first, over the time from the first to the last (the number's steady pace). */
function rateOf(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return (sorted.length - 1) / ((sorted.at(-1)! - sorted[0]!) / 1000);
}


export async function benchGovernor(engines: Engines): Promise<GovernorResult> {
  say(`governor: two numbers, ${LIMITED}/s and ${UNLIMITED}/s, ${MESSAGES} messages each due at one instant (Temporal: ${engines.temporalKind} server)`);
  const temporalAddress = await engines.temporalAddress();
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const appSecret = randomUUID();
  const platformToken = `bench-${randomUUID()}`;
  const sandbox = await startSandboxServer({
    webhookUrl: `${apiUrl}/webhook/meta`,
    appSecret,
    accessToken: platformToken,
    delaysMs: STATUS_DELAYS,
    log: { info() {}, warn() {}, error() {} },
  });
  const env = heraldEnv(engines, temporalAddress, port, {
    WHATSAPP_API_BASE_URL: sandbox.url,
    WHATSAPP_ACCESS_TOKEN: platformToken,
    WHATSAPP_APP_SECRET: appSecret,
  });
  const api = startHeraldProcess('api', env);
  const worker = startHeraldProcess('worker', env);
  try {
    await waitForHttp(`${apiUrl}/healthz`);
    const numbers = [await businessNumber(engines, sandbox, apiUrl, 1, LIMITED), await businessNumber(engines, sandbox, apiUrl, 2, UNLIMITED)];

    // Everything is scheduled first, for one instant a little ahead.
    const dueAt = Date.now() + 5_000 + MESSAGES * 2 * 75;
    const scheduleTime = new Date(dueAt).toISOString();
    for (const number of numbers) {
      for (let i = 0; i < number.contactIds.length; i += 20) {
        await Promise.all(number.contactIds.slice(i, i + 20).map((contactId) =>
          callJson(`${apiUrl}/messages/schedule`, 'POST', { templateId: number.templateId, contactId, scheduleTime, idempotencyKey: randomUUID() }, number.token)));
      }
    }
    if (Date.now() > dueAt) throw new Error('scheduling took longer than the lead time: raise it');

    const sendsOf = (number: BusinessNumber) =>
      sandbox.sent.filter((record) => record.phoneNumberId === number.phoneNumberId && record.httpStatus === 200).map((record) => record.receivedAt);
    const line = progress('sends at the stand-in');
    for (;;) {
      const counts = numbers.map((number) => sendsOf(number).length);
      const elapsed = (Date.now() - dueAt) / 1000;
      line.update(numbers.map((number, i) => `${number.label} ${counts[i]}/${MESSAGES}`).join(', ') + (elapsed < 0 ? `, due in ${(-elapsed).toFixed(0)} s` : `, ${elapsed.toFixed(1)} s`));
      if (counts.every((count) => count >= MESSAGES)) break;
      if (elapsed > 300) throw new Error(`not all sent within 5 minutes: ${counts.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    line.done();

    const [limited, unlimited] = numbers.map((number) => sendsOf(number));
    for (const [i, number] of numbers.entries()) {
      const times = [limited, unlimited][i]!;
      const [first, last] = [Math.min(...times) - dueAt, Math.max(...times) - dueAt];
      say(`  ${number.label}: ${round(rateOf(times))} sends/s achieved; sends from ${first} to ${last} ms after due; busiest second ${busiestSecond(times)}`);
    }
    const limitedRate = rateOf(limited!);
    const result: GovernorResult = {
      limited_per_s: round(limitedRate),
      limit: LIMITED,
      unlimited_per_s: round(rateOf(unlimited!)),
      unlimited_limit: UNLIMITED,
      limited_off_pct: round((Math.abs(limitedRate - LIMITED) / LIMITED) * 100),
      limited_busiest_second: busiestSecond(limited!),
      messages: MESSAGES,
    };
    say(`  limited number within ${result.limited_off_pct} % of its limit (goal ≤ 10 %)`);
    const chart = await writeBarChart('governor', `Send governor: ${MESSAGES} messages per number due at once`, 'sends per second', [
      { group: `${LIMITED}/s number`, series: 'limit', value: LIMITED },
      { group: `${LIMITED}/s number`, series: 'achieved', value: result.limited_per_s },
      { group: `${UNLIMITED}/s number`, series: 'limit', value: UNLIMITED },
      { group: `${UNLIMITED}/s number`, series: 'achieved', value: result.unlimited_per_s },
    ]);
    say(`chart: ${chart}`);
    printResult({ benchmark: 'governor', ...result });
    return result;
  } finally {
    await api.stop();
    await worker.stop();
    await sandbox.close();
  }
}
