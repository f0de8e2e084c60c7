import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Orm } from '../../db/orm.ts';
import type { MessageWorkflows } from './ports.ts';
import { Message } from './message.entity.ts';
import { startMessageWorkflow } from './schedule.service.ts';
import { purgeStaleOrphans } from './status-orphans.ts';

/**
 * One pass: starts the workflows of stored messages that have none (their API process died between
 * storing the row and starting the workflow). A cancelled one needs none (a campaign cancelled before its
 * time has such rows). Safe to run anywhere, any number of times.
 */
async function startMissingWorkflows(em: EntityManager, workflows: MessageWorkflows, olderThanMs = 5_000): Promise<number> {
  const stale = await em.find(
    Message,
    { workflowStarted: false, status: { $ne: 'CANCELLED' }, createdAt: { $lt: new Date(Date.now() - olderThanMs) } },
    { filters: false, limit: 500, orderBy: { createdAt: 'asc' } },
  );
  for (const message of stale) await startMessageWorkflow(em, workflows, message);
  return stale.length;
}

/** Another kind of stored work whose workflow a crash may have left unstarted (campaigns); returns how many it started. */
export interface ReconcilePass {
  what: string;
  run(em: EntityManager): Promise<number>;
}

/**
 * Heals a crash between storing a message (or a campaign, through `passes`) and starting its workflow: at
 * worker start and then every `intervalMs`, starts the workflows of stored ones that have none, and purges
 * stale status orphans. Idempotent, so several workers running it at once is harmless.
 */
export function startReconciler(
  orm: Orm,
  workflows: MessageWorkflows,
  intervalMs: number,
  logger: Logger,
  passes: ReconcilePass[] = [],
): { stop(): void } {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= (async () => {
      const started = await startMissingWorkflows(orm.em.fork(), workflows);
      if (started > 0) logger.warn({ started }, 'started the workflows of messages that had none');
      for (const extra of passes) {
        const count = await extra.run(orm.em.fork() as EntityManager);
        if (count > 0) logger.warn({ started: count }, `started the workflows of ${extra.what} that had none`);
      }
      // Statuses kept for a wamid that never got stored (another system on the number) are dropped after Meta's retry horizon.
      const purged = await purgeStaleOrphans(orm.em.fork());
      if (purged > 0) logger.info({ purged }, 'dropped provider statuses whose WhatsApp message id never matched');
    })()
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
