// `npm run bench -- schedule`: `POST /messages/schedule` at 50 concurrent callers against the API process,
// over REST and over tRPC (the same procedure), with calls per second and latency percentiles.
import { randomUUID } from 'node:crypto';
import { callJson } from '../scripts/lib/http-json.ts';
import { freePort } from '../server/shared/ports.ts';
import type { Engines } from '../scripts/lib/engines.ts';
import { tenantOverHttp } from './lib/fixtures.ts';
import { heraldEnv, startHeraldProcess, waitForHttp } from './lib/processes.ts';
import { percentile, printResult, progress, round, say, writeBarChart } from './lib/report.ts';

const CONCURRENCY = 50;
const CALLS = Number(process.env.BENCH_SCHEDULE_CALLS ?? 2_000);
const WARM_UP = 200;

export interface ScheduleResult {
  rest_per_s: number;
  trpc_per_s: number;
  p50_ms: number;
  p99_ms: number;
  trpc_p50_ms: number;
  trpc_p99_ms: number;
  concurrency: number;
}

type Call = () => Promise<void>;

async function drive(label: string, calls: number, call: Call): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const line = progress(label);
  const started = performance.now();
  const ticker = setInterval(() => line.update(`${latencies.length}/${calls}`), 500);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < calls) {
        next++;
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  clearInterval(ticker);
  const seconds = (performance.now() - started) / 1000;
  line.done(`${calls} calls in ${seconds.toFixed(1)} s`);
  return { perSecond: calls / seconds, latencies: latencies.sort((a, b) => a - b) };
}

export async function benchSchedule(engines: Engines): Promise<ScheduleResult> {
  const temporalAddress = await engines.temporalAddress();
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const api = startHeraldProcess('api', heraldEnv(engines, temporalAddress, port));
  try {
    await waitForHttp(`${apiUrl}/healthz`);
    const { token, templateId, contactIds } = await tenantOverHttp(apiUrl, [{ phone: '+15557773000', name: 'Reader' }]);
    // A day ahead: this measures scheduling alone (row, history, workflow start), not dispatch.
    const scheduleTime = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    const body = () => ({ templateId, contactId: contactIds[0], scheduleTime, idempotencyKey: randomUUID() });
    const viaRest: Call = () => callJson(`${apiUrl}/messages/schedule`, 'POST', body(), token);
    const viaTrpc: Call = () => callJson(`${apiUrl}/trpc/messages.schedule`, 'POST', body(), token);

    say(`schedule: ${CALLS} calls per transport at ${CONCURRENCY} concurrent (after ${WARM_UP} warm-up calls each)`);
    await drive('warm-up', WARM_UP, viaRest);
    await drive('warm-up', WARM_UP, viaTrpc);
    const rest = await drive('REST', CALLS, viaRest);
    const trpc = await drive('tRPC', CALLS, viaTrpc);
    const result: ScheduleResult = {
      rest_per_s: round(rest.perSecond),
      trpc_per_s: round(trpc.perSecond),
      p50_ms: round(percentile(rest.latencies, 50)),
      p99_ms: round(percentile(rest.latencies, 99)),
      trpc_p50_ms: round(percentile(trpc.latencies, 50)),
      trpc_p99_ms: round(percentile(trpc.latencies, 99)),
      concurrency: CONCURRENCY,
    };
    say(`  REST ${result.rest_per_s}/s (p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms; goal p99 ≤ 50 ms)`);
    say(`  tRPC ${result.trpc_per_s}/s (p50 ${result.trpc_p50_ms} ms, p99 ${result.trpc_p99_ms} ms); REST/tRPC ${round(rest.perSecond / trpc.perSecond, 2)}× (goal within 10 %)`);
    const chart = await writeBarChart('schedule', `POST /messages/schedule at ${CONCURRENCY} concurrent`, 'ms', [
      { group: 'p50', series: 'REST', value: result.p50_ms },
      { group: 'p50', series: 'tRPC', value: result.trpc_p50_ms },
      { group: 'p99', series: 'REST', value: result.p99_ms },
      { group: 'p99', series: 'tRPC', value: result.trpc_p99_ms },
    ]);
    say(`chart: ${chart}`);
    printResult({ benchmark: 'schedule', ...result });
    return result;
  } finally {
    await api.stop();
  }
}
