import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../server/db/orm.ts';
import {
  debitForDispatch,
  markCancelled,
  recordReschedule,
  refundForFailure,
  sendToProvider,
  type Prices,
} from '../server/modules/messages/dispatch.service.ts';
import type { WhatsAppSender } from '../server/modules/whatsapp/types.ts';
import type { EchoResult } from '../workflows/shared.ts';

export interface ActivityDeps {
  orm: Orm;
  whatsapp: WhatsAppSender;
  prices: Prices;
}

/** Activities are thin adapters to domain services; the worker builds their dependencies once. */
export function createActivities(deps: ActivityDeps) {
  // Each activity works in its own EntityManager; the worker's global one is never used for work.
  const em = () => deps.orm.em.fork() as EntityManager;
  return {
    async echoThroughDatabase(text: string): Promise<EchoResult> {
      const rows = await em().execute<{ upper: string; length: number }[]>('select upper(?) as upper, char_length(?)::int as length', [
        text,
        text,
      ]);
      const row = rows[0];
      if (!row) throw new Error('the database returned no row');
      return { text, upper: row.upper, length: row.length };
    },
    debitMessage: (messageId: string) => debitForDispatch(em(), deps.prices, messageId),
    sendMessage: (messageId: string) => sendToProvider(em(), deps.whatsapp, messageId),
    refundMessage: (messageId: string, failure: { reason: string; errorCode: number | undefined }) =>
      refundForFailure(em(), messageId, failure),
    markCancelled: (messageId: string) => markCancelled(em(), messageId),
    recordReschedule: (messageId: string, scheduleTime: string) => recordReschedule(em(), messageId, scheduleTime),
  };
}

export type Activities = ReturnType<typeof createActivities>;
