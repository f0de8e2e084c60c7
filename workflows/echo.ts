import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { EchoInput, EchoResult } from './shared.ts';

const { echoThroughDatabase } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** The platform's smoke test: API → Temporal → worker → activity → PostgreSQL and back. */
export async function echoWorkflow(input: EchoInput): Promise<EchoResult> {
  return await echoThroughDatabase(input.text);
}
