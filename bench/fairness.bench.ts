// `npm run bench -- fairness`: does one tenant's volume hold up another tenant's notification? Through the real
// path (API and worker processes, the Graph API client, the local Meta stand-in), all on the platform number:
// tenant A imports 100,000 contacts and schedules a campaign over them an hour ahead, plus a campaign due now;
// meanwhile tenant B sends single messages due now. Measured: B's latency from its POST /messages/schedule to
// the send's arrival at Meta's stand-in, against the floor of the same message on the same, idle Herald
// earlier in the run; and how many messages the campaign for later has created (just in time: none).
import { randomUUID } from 'node:crypto';
import { postEntry } from '../server/modules/billing/ledger.service.ts';
import type { SandboxServer } from '../server/modules/whatsapp/sandbox-server.ts';
import { units } from '../server/shared/money.ts';
import { callJson } from '../scripts/lib/http-json.ts';
import type { Engines } from '../scripts/lib/engines.ts';
import { startHeraldWithStandIn } from './lib/processes.ts';
import { percentile, printResult, progress, round, say } from './lib/report.ts';

const LATER = Number(process.env.BENCH_FAIRNESS_CONTACTS ?? 100_000);
/** Tenant A's campaign due now: enough to keep the platform number busy while B's messages are timed. */
const NOW = Number(process.env.BENCH_FAIRNESS_DUE_NOW ?? 2_000);
const SAMPLES = Number(process.env.BENCH_FAIRNESS_SAMPLES ?? 5);
/** The goal of the contract: another tenant's message due now is sent within 5 s. */
const GOAL_MS = 5_000;
const IMPORT_CHUNK = 10_000;

/** A tenant signed up over HTTP, with an APPROVED template and credits to spare. */
async function tenant(apiUrl: string, engines: Engines) {
  const slug = `bench-${randomUUID().slice(0, 8)}`;
  const registered = await callJson(`${apiUrl}/auth/register-tenant`, 'POST', {
    tenantName: 'Bench', slug, adminEmail: `${slug}@example.com`, adminPassword: 'bench-password', adminName: 'Bench',
  });
  const token: string = registered.token;
  const template = await callJson(`${apiUrl}/templates`, 'POST', { name: 'bench_message', content: 'Hello {{1}}', variables: ['name'], metaTemplateId: 'bench', status: 'APPROVED' }, token);
  await postEntry(engines.orm.em.fork(), { tenantId: registered.tenant.id, type: 'CREDIT', reason: 'TOPUP', amount: units(100_000_000_000n), description: 'bench' });
  return { token, templateId: template.id as string };
}

/** Ordinary sandbox numbers (never ending 0000/0001/0002), 7,000 per three-digit block from `firstBlock`. */
const phoneOf = (firstBlock: number, i: number) => `+1555${firstBlock + Math.floor(i / 7_000)}${3000 + (i % 7_000)}`;

async function importContacts(apiUrl: string, token: string, count: number, firstBlock: number, wave: string) {
  for (let start = 0; start < count; start += IMPORT_CHUNK) {
    const contacts = Array.from({ length: Math.min(IMPORT_CHUNK, count - start) }, (_, k) => ({ phone: phoneOf(firstBlock, start + k), name: `Reader ${start + k}`, attributes: { wave } }));
    await callJson(`${apiUrl}/contacts/import`, 'POST', { contacts }, token);
  }
}

/** One single message due now from tenant B: milliseconds from the request to its send reaching Meta's stand-in. */
async function singleMessageLatency(apiUrl: string, sandbox: SandboxServer, b: { token: string; templateId: string; contactId: string }) {
  const asked = Date.now();
  const message = await callJson(`${apiUrl}/messages/schedule`, 'POST', {
    templateId: b.templateId, contactId: b.contactId, scheduleTime: new Date().toISOString(), idempotencyKey: randomUUID(),
  }, b.token);
  for (;;) {
    const sent = sandbox.sent.find((record) => record.httpStatus === 200 && record.to === B_PHONE && record.receivedAt >= asked);
    if (sent) return sent.receivedAt - asked;
    if (Date.now() - asked > 600_000) throw new Error(`message ${message.id} was not sent within 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const B_PHONE = '+15559993000';

async function samples(label: string, measure: () => Promise<number>): Promise<number[]> {
  const taken: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    taken.push(await measure());
    say(`  ${label} #${i + 1}: ${taken.at(-1)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return taken.sort((x, y) => x - y);
}

export async function benchFairness(engines: Engines) {
  say(`fairness: tenant A ${LATER.toLocaleString('en-US')} contacts scheduled an hour ahead + ${NOW.toLocaleString('en-US')} due now, tenant B's single messages due now, all on the platform number (Temporal: ${engines.temporalKind} server)`);
  const { apiUrl, sandbox, stop } = await startHeraldWithStandIn(engines);
  try {
    const bTenant = await tenant(apiUrl, engines);
    await callJson(`${apiUrl}/contacts/import`, 'POST', { contacts: [{ phone: B_PHONE, name: 'Bea' }] }, bTenant.token);
    const [contact] = (await callJson(`${apiUrl}/contacts?limit=1`, 'GET', undefined, bTenant.token)).items;
    const b = { ...bTenant, contactId: contact.id as string };
    // Warm-up: the first message pays for connections and JIT compilation.
    await singleMessageLatency(apiUrl, sandbox, b);
    const floor = await samples('idle floor', () => singleMessageLatency(apiUrl, sandbox, b));

    const a = await tenant(apiUrl, engines);
    const importStarted = performance.now();
    await importContacts(apiUrl, a.token, LATER, 700, 'later');
    await importContacts(apiUrl, a.token, NOW, 690, 'now');
    say(`  tenant A imported ${(LATER + NOW).toLocaleString('en-US')} contacts in ${round((performance.now() - importStarted) / 1000)} s`);
    const asked = performance.now();
    const later = await callJson(`${apiUrl}/campaigns`, 'POST', {
      name: 'Tomorrow', templateId: a.templateId, scheduleTime: new Date(Date.now() + 3600_000).toISOString(), idempotencyKey: randomUUID(),
      audience: { filter: { attributes: { wave: 'later' } } },
    }, a.token);
    const answerMs = performance.now() - asked;
    const now = await callJson(`${apiUrl}/campaigns`, 'POST', {
      name: 'Now', templateId: a.templateId, scheduleTime: new Date().toISOString(), idempotencyKey: randomUUID(), audience: { filter: { attributes: { wave: 'now' } } },
    }, a.token);
    say(`  POST /campaigns for ${later.audienceSize.toLocaleString('en-US')} answered in ${round(answerMs)} ms; the due-now one has ${now.audienceSize}`);

    // B's messages are timed once A's due-now campaign is going out.
    const aSends = () => sandbox.sent.filter((record) => record.httpStatus === 200 && record.to !== B_PHONE).length;
    const line = progress('fairness');
    while (aSends() < Math.min(20, NOW)) {
      line.update(`${aSends()} of tenant A's messages sent`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    line.done();
    const loaded = await samples('beside the campaigns', () => singleMessageLatency(apiUrl, sandbox, b));
    const created = await engines.orm.em.fork().getConnection().execute<{ n: number }[]>('select count(*)::int as n from message where campaign_id = ?', [later.id]);
    const laterCreated = created[0]!.n;
    // The cancel gives every one of its recipients a CANCELLED message, in one transaction.
    const cancelAsked = performance.now();
    await callJson(`${apiUrl}/campaigns/${later.id}/cancel`, 'POST', undefined, a.token);
    const cancelMs = performance.now() - cancelAsked;
    await callJson(`${apiUrl}/campaigns/${now.id}/cancel`, 'POST', undefined, a.token).catch(() => undefined);

    const result = {
      contacts_later: LATER,
      contacts_now: NOW,
      api_answer_ms: round(answerMs),
      single_floor_median_ms: percentile(floor, 50),
      single_median_ms: percentile(loaded, 50),
      single_max_ms: loaded.at(-1)!,
      goal_ms: GOAL_MS,
      within_goal: loaded.at(-1)! <= GOAL_MS,
      later_campaign_messages_created: laterCreated,
      tenant_a_sent_meanwhile: aSends(),
      cancel_later_ms: round(cancelMs),
    };
    say(`  tenant B's message: ${result.single_median_ms} ms median (max ${result.single_max_ms}) beside the campaigns, ${result.single_floor_median_ms} ms on the idle Herald; the campaign for later had created ${laterCreated} messages`);
    printResult({ benchmark: 'fairness', ...result });
    return result;
  } finally {
    await stop();
  }
}
