// What every billing story shares: the ledger verification run after each test, and a top-up.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { describeProblem, verifyLedger } from '../../server/modules/billing/ledger-verify.ts';
import { bearer, superAdmin, type Actor } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

/** Runs the ledger verification over every tenant in the database and expects no problem. */
export async function expectLedgerConsistent(herald: Harness): Promise<void> {
  const report = await verifyLedger((sql) => herald.orm.em.getConnection().execute(sql));
  expect(report.problems.map(describeProblem)).toEqual([]);
}

export interface OperatorScene {
  herald: Harness;
  operator: Actor;
}

/** For one describe block: Herald without a worker and the platform operator, the ledger verified after each test; filled in before the tests run. */
export function operatorScene(): OperatorScene {
  const scene = {} as OperatorScene;
  beforeAll(async () => {
    scene.herald = await startHarness();
    scene.operator = await superAdmin(scene.herald);
  });
  afterEach(() => expectLedgerConsistent(scene.herald));
  afterAll(() => scene.herald?.close());
  return scene;
}

export function topUp(herald: Harness, operator: Actor, tenantId: string, amount: number | string, description = 'Top-up') {
  return rest(herald, 'POST', '/billing/add-credits', { tenantId, amount, description }, bearer(operator.token));
}

/** Any SQL executor taking `?` placeholders: MikroORM's connection, or `pgRun` over a pg client. */
export type RunSql = (sql: string, params: unknown[]) => Promise<unknown>;

/** Adapts a pg client (numbered `$n` placeholders) to `?` placeholders. */
export const pgRun = (client: pg.Client): RunSql => (sql, params) => {
  let n = 0;
  return client.query(sql.replace(/\?/g, () => `$${++n}`), params);
};

/**
 * A message row to hang MESSAGE and REFUND entries on (the ledger's message_id references it): the
 * template, contact and message a scheduled send would have, written directly because these tests
 * exercise the ledger primitive, not scheduling.
 */
export async function messageRow(run: RunSql, tenantId: string): Promise<string> {
  const [templateId, contactId, messageId] = [randomUUID(), randomUUID(), randomUUID()];
  await run(
    `insert into template (id, tenant_id, name, language, category, status, content, variables) values (?, ?, ?, 'en_US', 'UTILITY', 'APPROVED', 'Hi', '[]')`,
    [templateId, tenantId, `t_${templateId.slice(0, 8)}`],
  );
  await run('insert into contact (id, tenant_id, phone) values (?, ?, ?)', [contactId, tenantId, `+1555${String(Date.now()).slice(-7)}`]);
  await run(
    `insert into message (id, tenant_id, template_id, contact_id, idempotency_key, request_hash, schedule_time, workflow_id, created_at, updated_at)
     values (?, ?, ?, ?, ?, repeat('0', 64), now(), ?, now(), now())`,
    [messageId, tenantId, templateId, contactId, messageId, `message-${messageId}`],
  );
  return messageId;
}

/** `messageRow` through the harness's own database connection. */
export function storedMessage(herald: Harness, tenantId: string): Promise<string> {
  const connection = herald.orm.em.getConnection();
  return messageRow((sql, params) => connection.execute(sql, params), tenantId);
}
