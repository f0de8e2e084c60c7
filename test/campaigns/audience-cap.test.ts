// A filter that matches more than 100,000 contacts is refused before a single recipient is written: the 422
// arrives even while the recipients' table is locked against every write.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_AUDIENCE } from '../../server/modules/campaigns/campaign.schema.ts';
import { MAX_IMPORT_BATCH } from '../../server/modules/contacts/contact-item.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { sendingTenant } from '../messages/support.ts';
import { createCampaign } from './support.ts';

describe('the audience cap', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  it(`a filter matching ${MAX_AUDIENCE + 1} contacts is a 422 AUDIENCE_TOO_LARGE that writes no recipient`, { timeout: 180_000 }, async () => {
    const tenant = await sendingTenant(herald, '10.00');
    for (let from = 0; from <= MAX_AUDIENCE; from += MAX_IMPORT_BATCH) {
      const contacts = Array.from({ length: Math.min(MAX_IMPORT_BATCH, MAX_AUDIENCE + 1 - from) }, (_, i) => ({
        phone: `+1555${String(from + i).padStart(7, '0')}`,
        attributes: { list: 'everyone' },
      }));
      const imported = await rest(herald, 'POST', '/contacts/import', { contacts }, bearer(tenant.token));
      expect(imported.body.imported).toBe(contacts.length);
    }

    // Any INSERT into campaign_recipient waits behind this lock until the test lets go of it.
    const blocker = new pg.Client({ connectionString: herald.config.DATABASE_URL });
    await blocker.connect();
    let timer: NodeJS.Timeout | undefined;
    try {
      await blocker.query('begin');
      await blocker.query('lock table campaign_recipient in share mode');
      const answer = await Promise.race([
        createCampaign(herald, tenant, { audience: { filter: { attributes: { list: 'everyone' } } } }),
        new Promise<'blocked'>((resolve) => (timer = setTimeout(() => resolve('blocked'), 30_000))),
      ]);
      expect(answer, 'the request waited on the recipients table: it was writing recipients').not.toBe('blocked');
      if (answer === 'blocked') return;
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'AUDIENCE_TOO_LARGE' } });
    } finally {
      clearTimeout(timer);
      await blocker.query('rollback');
      await blocker.end();
    }
    expect((await rest(herald, 'GET', '/campaigns', undefined, bearer(tenant.token))).body.items).toEqual([]);
  });
});
