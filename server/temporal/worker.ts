import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.ts';
import { buildWorkflowBundle } from './bundle.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface WorkerSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (tests build it once per file); otherwise `workflows/` is bundled in a child process. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped polling and finished its in-flight tasks. */
  stop(): Promise<void>;
}

/** Builds the activities' dependencies once and starts polling; `stop` drains and closes the connection. */
export async function startWorker(settings: WorkerSettings, deps: ActivityDeps): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: settings.address });
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    activities: createActivities(deps),
    workflowBundle: settings.workflowBundle ?? (await buildWorkflowBundle(WORKFLOWS_PATH)),
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      try {
        await running;
      } finally {
        await connection.close();
      }
    },
  };
}
