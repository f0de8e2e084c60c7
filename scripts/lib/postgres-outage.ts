// The production run's PostgreSQL restart: Herald's database server is stopped under load for a few seconds and
// started again, and what callers saw meanwhile is checked from outside, over HTTP: calls that need the database
// answer 503 with a reason (promptly, never a 500), /readyz answers 503 naming the database, and afterwards every
// API is ready again and no worker process died of it.
import type { ChildProcess } from 'node:child_process';
import type { RunningPostgres } from './postgres.ts';
import { call, type Answer } from './retrying-client.ts';

export interface OutageReport {
  seconds: number;
  /** Statuses of the schedule answers that came while the database was down. */
  scheduleAnswers: Record<string, number>;
  /** The slowest of those answers, in ms. */
  slowestAnswerMs: number;
  /** /readyz of each API while down. */
  readyz: number[];
  /** How long after the restart every API's /readyz answered 200 again, in ms (-1: not within 30 s). */
  readyAgainMs: number;
  workersAlive: boolean;
  problems: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Outage {
  /** Feed every answer of the load's client here. */
  observe(answer: Answer): void;
  run(): Promise<OutageReport>;
}

export function postgresOutage(options: { server: RunningPostgres; apis: string[]; workers: () => ChildProcess[]; downMs: number; say: (line: string) => void }): Outage {
  let down: { until: number } | undefined;
  const seen: Answer[] = [];
  return {
    observe(answer) {
      if (down) seen.push(answer);
    },
    async run() {
      const problems: string[] = [];
      down = { until: Number.POSITIVE_INFINITY };
      await options.server.stop();
      const stopped = Date.now();
      options.say(`Herald's PostgreSQL stopped under load; it starts again in ${options.downMs / 1000} s`);
      const readyz: number[] = [];
      for (const api of options.apis) {
        const answer = await call(`${api}/readyz`, 'GET', undefined, undefined);
        readyz.push(answer.status);
        if (answer.status !== 503 || !answer.body?.failing?.includes('database')) problems.push(`${api}/readyz answered ${answer.status} ${JSON.stringify(answer.body)} while the database was down`);
      }
      await sleep(Math.max(0, options.downMs - (Date.now() - stopped)));
      down.until = Date.now();
      await options.server.start();
      const restarted = Date.now();
      options.say(`Herald's PostgreSQL started again after ${((restarted - stopped) / 1000).toFixed(1)} s`);

      let readyAgainMs = -1;
      while (Date.now() - restarted < 30_000) {
        const statuses = await Promise.all(options.apis.map(async (api) => (await call(`${api}/readyz`, 'GET', undefined, undefined)).status));
        if (statuses.every((status) => status === 200)) {
          readyAgainMs = Date.now() - restarted;
          break;
        }
        await sleep(250);
      }
      if (readyAgainMs < 0) problems.push('an API did not answer /readyz 200 within 30 s of the restart');

      // Calls sent after the stop and answered before the start: each must be a 503 (one sent earlier may still succeed).
      const answers = seen.filter((answer) => answer.at - answer.ms >= stopped && answer.at <= down!.until);
      const scheduleAnswers: Record<string, number> = {};
      for (const answer of answers) scheduleAnswers[answer.status] = (scheduleAnswers[answer.status] ?? 0) + 1;
      const refused = answers.filter((answer) => answer.status === 503);
      if (refused.length === 0) problems.push('no schedule call was answered while the database was down');
      for (const answer of answers) {
        const unavailable = answer.status === 503 && answer.body?.code === 'SERVICE_UNAVAILABLE' && answer.body?.data?.reason === 'DATABASE_UNAVAILABLE' && typeof answer.body?.message === 'string';
        if (!unavailable) problems.push(`while the database was down a schedule call answered ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      const slowestAnswerMs = Math.max(0, ...answers.map((answer) => answer.ms));
      if (slowestAnswerMs > 5_000) problems.push(`a schedule call took ${slowestAnswerMs} ms to answer while the database was down`);
      // Activities fail and Temporal retries them; a worker process must ride it out, not exit.
      const workersAlive = options.workers().every((child) => child.exitCode === null && child.signalCode === null);
      if (!workersAlive) problems.push('a worker process exited while the database was down');
      return {
        seconds: Math.round((down.until - stopped) / 1000),
        scheduleAnswers,
        slowestAnswerMs,
        readyz,
        readyAgainMs,
        workersAlive,
        problems: problems.slice(0, 10),
      };
    },
  };
}
