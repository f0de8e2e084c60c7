import type { Orm } from '../server/db/orm.ts';
import type { EchoResult } from '../workflows/shared.ts';

export interface ActivityDeps {
  orm: Orm;
}

/** Activities are thin adapters to domain services; the worker builds their dependencies once. */
export function createActivities(deps: ActivityDeps) {
  return {
    async echoThroughDatabase(text: string): Promise<EchoResult> {
      const rows = await deps.orm.em
        .fork()
        .getConnection()
        .execute<{ upper: string; length: number }[]>('select upper(?) as upper, char_length(?)::int as length', [
          text,
          text,
        ]);
      const row = rows[0];
      if (!row) throw new Error('the database returned no row');
      return { text, upper: row.upper, length: row.length };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
