// Run as a child process by crash-safety.test.ts: a real Herald worker whose debit activity kills the
// process (SIGKILL) right after the debit transaction has committed, before Temporal hears of it.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities/index.ts';
import { loadConfig } from '../../../server/config.ts';
import { openOrm } from '../../../server/db/orm.ts';
import { channelTokenBox, workflowSettings } from '../../../server/runtime.ts';
import { createTemporalClient } from '../../../server/temporal/client.ts';
import { workflowClients } from '../../../server/temporal/workflow-clients.ts';
import { createGraphClient } from '../../../server/modules/whatsapp/graph-client.ts';
import { WORKFLOWS_PATH } from '../../../server/temporal/worker.ts';

const config = loadConfig(process.env);
const orm = await openOrm(config.DATABASE_URL!);
// This worker dies before it sends, so it needs the sandbox's token only if a caller passes one.
const activities = createActivities({
  orm,
  whatsapp: createGraphClient({ ...config.whatsapp, accessToken: process.env.SANDBOX_TOKEN ?? '', baseUrl: process.env.SANDBOX_URL! }),
  tokens: await channelTokenBox(config),
  prices: config.prices,
  messageWorkflows: workflowClients(workflowSettings(config, createTemporalClient(config.TEMPORAL_ADDRESS!, config.TEMPORAL_NAMESPACE))).messages,
});
const realDebit = activities.debitMessage;
activities.debitMessage = async (messageId) => {
  await realDebit(messageId);
  process.stdout.write(`debited ${messageId}\n`, () => process.kill(process.pid, 'SIGKILL'));
  return new Promise<never>(() => {}); // never reported: the process is gone
};
const worker = await Worker.create({
  connection: await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS! }),
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  workflowsPath: WORKFLOWS_PATH,
  activities,
});
process.stdout.write('ready\n');
await worker.run();
