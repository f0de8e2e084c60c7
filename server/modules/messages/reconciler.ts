import type { Logger } from 'pino';
import type { Orm } from '../../db/orm.ts';
import { startMissingWorkflows, type WorkflowSettings } from './schedule.service.ts';

/**
 * Heals a crash between storing a message and starting its workflow: at worker start and then every
 * `intervalMs`, starts the workflows of stored messages that have none. Idempotent, so several workers
 * running it at once is harmless.
 */
export function startReconciler(orm: Orm, settings: WorkflowSettings, intervalMs: number, logger: Logger): { stop(): void } {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= startMissingWorkflows(orm.em.fork(), settings)
      .then((started) => {
        if (started > 0) logger.warn({ started }, 'started the workflows of messages that had none');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'message reconciler pass failed'))
      .finally(() => {
        running = undefined;
      });
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
