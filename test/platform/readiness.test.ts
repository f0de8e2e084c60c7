import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type RunningPostgres } from '../../scripts/lib/postgres.ts';
import { freePort } from '../../server/shared/ports.ts';
import { migrate } from '../../server/db/orm.ts';
import { rest, startHarness, testConfig, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { bearer, registerTenant } from '../support/actors.ts';
import { postStatus } from '../messages/support.ts';

const answersWith = (status: number, timeoutMs = 30_000) => ({ timeoutMs, intervalMs: 250, what: `a ${status} answer` });

describe('/readyz follows the database and Temporal', () => {
  let scratch: string;
  let postgres: RunningPostgres;
  let herald: Harness;
  let exitHandlersBefore = 0;

  beforeAll(async () => {
    // A PostgreSQL of this test's own, so stopping it disturbs no other test.
    scratch = await mkdtemp(path.join(os.tmpdir(), 'herald-readyz-'));
    exitHandlersBefore = process.listenerCount('beforeExit');
    // mkdtemp makes it private; as root, PostgreSQL runs as another user that must reach its data directory.
    await chmod(scratch, 0o755);
    postgres = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'pg', 'data'),
      port: await freePort(),
      database: 'readyz',
      persistent: true,
    });
    herald = await startHarness({ config: testConfig({ DATABASE_URL: postgres.url }) });
  });

  afterAll(async () => {
    await herald?.close();
    await postgres?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('starting embedded PostgreSQL leaves no handler that would override the exit code (a failed run must fail)', () => {
    expect(process.listenerCount('beforeExit')).toBe(exitHandlersBefore);
  });

  it('is ready while both answer, 503 naming the database while PostgreSQL is down, ready again after', async () => {
    const ready = await rest(herald, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { database: { ok: true }, temporal: { ok: true } } });

    await postgres.stop();
    const down = await rest(herald, 'GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable', failing: ['database'], checks: { temporal: { ok: true } } });
    // Named, never described: PostgreSQL's own error text (hosts, ports, users) is for the log only.
    expect(down.body.checks.database).toEqual({ ok: false });
    expect(JSON.stringify(down.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\d{4,5}/);
    // Liveness is not readiness: the process itself is fine.
    expect((await rest(herald, 'GET', '/healthz')).status).toBe(200);

    await postgres.start();
    const back = await eventually(
      () => rest(herald, 'GET', '/readyz'),
      (response) => response.status === 200,
      answersWith(200),
    );
    expect(back.status).toBe(200);
  });

  it('answers a call that needs the database 503 with a reason while PostgreSQL is down, and the same retried call succeeds after', async () => {
    await migrate(herald.orm, postgres.url);
    const admin = await registerTenant(herald);
    const template = await rest(
      herald,
      'POST',
      '/templates',
      { name: 'welcome_message', content: 'Hello {{1}}, welcome!', variables: ['name'], metaTemplateId: 'meta_1', status: 'APPROVED' },
      bearer(admin.token),
    );
    await rest(herald, 'POST', '/contacts/import', { contacts: [{ phone: '+15557770001', name: 'Alice' }] }, bearer(admin.token));
    const contact = (await rest(herald, 'GET', '/contacts?search=15557770001', undefined, bearer(admin.token))).body.items[0];
    const body = { templateId: template.body.id, contactId: contact.id, scheduleTime: new Date().toISOString(), idempotencyKey: 'retried-across-outage' };

    await postgres.stop();
    try {
      const started = Date.now();
      const down = await rest(herald, 'POST', '/messages/schedule', body, bearer(admin.token));
      // A caller retries a 503 (the README's rule); a 500 would read as a fault of Herald's, a hang as no answer.
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', data: { reason: 'DATABASE_UNAVAILABLE' } });
      expect(down.body.message).toMatch(/database/i);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The same over tRPC, which shares the error mapping.
      const trpc = await rest(herald, 'POST', '/trpc/messages.schedule', body, bearer(admin.token));
      expect(trpc.status).toBe(503);
      expect(trpc.body.error.data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE' });
      // Meta's webhook is not taken either, so Meta delivers it again: a 503 as well, not a fault of Herald's.
      expect(await postStatus(herald, 'wamid.during-outage', 'delivered')).toBe(503);
    } finally {
      await postgres.start();
    }
    const retried = await eventually(
      () => rest(herald, 'POST', '/messages/schedule', body, bearer(admin.token)),
      (response) => response.status === 201,
      answersWith(201),
    );
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ status: 'SCHEDULED', contactId: contact.id });
  });

  it('gets back every connection of transactions PostgreSQL dropped, so requests still find one after the restart', async () => {
    // More transactions in flight than the pool's 10 connections, each cut off by the stop.
    const inFlight = Array.from({ length: 12 }, () =>
      herald.orm.em
        .fork()
        .transactional(async (tx) => tx.execute('select pg_sleep(5)'))
        .catch((error: unknown) => error),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await postgres.stop();
    // Each fails at once; one that waits for a connection nobody gives back would wait for ever.
    const settled = await Promise.race([Promise.all(inFlight).then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 15_000))]);
    await postgres.start();
    expect(settled).toBe(true);
    const back = await eventually(
      () => rest(herald, 'GET', '/readyz'),
      (response) => response.status === 200,
      answersWith(200, 10_000),
    );
    expect(back.status).toBe(200);
    const pool = await herald.orm.em.getConnection().getNativeClient();
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it('is 503 naming temporal when Temporal cannot be reached', async () => {
    const noTemporal = await startHarness({
      config: testConfig({ DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` }),
    });
    try {
      const response = await rest(noTemporal, 'GET', '/readyz');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ status: 'unavailable', failing: ['temporal'], checks: { database: { ok: true }, temporal: { ok: false } } });
      // The client's last retry of the probe fires once more after its deadline; closing the connection before
      // it would make that retry throw (the Temporal client's timer, outside any request).
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await noTemporal.close();
    }
  });
});
