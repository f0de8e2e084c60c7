import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBox, parseEncryptionKey, type EncryptionKey } from '../../server/modules/channels/token-box.ts';
import { resealStaleTokens } from '../../server/modules/channels/token-reseal.ts';
import { registerTenant } from '../support/actors.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { registerChannel } from './support.ts';

describe('npm run channels:reseal: tokens move to the new key after a rotation', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  const sealedOf = async (id: string) =>
    (await herald.orm.em.fork().execute<{ access_token_sealed: string }[]>('select access_token_sealed from channel where id = ?', [id]))[0]!.access_token_sealed;

  it("re-seals a tenant's tokens with the new key (the old one may then go), once, and touches no other tenant", async () => {
    // The key the API sealed with: the development key of this run's data directory.
    const old = parseEncryptionKey(await readFile(path.join(herald.config.HERALD_DATA_DIR, 'encryption', 'key'), 'utf8')) as EncryptionKey;
    const fresh: EncryptionKey = { id: `k${randomBytes(4).toString('hex')}`, key: randomBytes(32) };
    const tenant = await registerTenant(herald);
    const other = await registerTenant(herald);
    const mine = await registerChannel(herald, tenant);
    const theirs = await registerChannel(herald, other);
    const before = await sealedOf(theirs.id);
    const query = <T>(sql: string, params: unknown[]) => herald.orm.em.fork().execute<T[]>(sql, params);

    const rotated = createTokenBox(fresh, [old]);
    expect(await resealStaleTokens(query, rotated, { tenantId: tenant.tenantId })).toEqual({ channels: 1, resealed: 1, unreadable: [] });
    const after = await sealedOf(mine.id);
    expect(after.split('.')[1]).toBe(fresh.id);
    // Only the new key is needed now.
    expect(createTokenBox(fresh).open(after, mine.id)).toBe(mine.accessToken);
    expect(await resealStaleTokens(query, rotated, { tenantId: tenant.tenantId })).toEqual({ channels: 1, resealed: 0, unreadable: [] });
    expect(await sealedOf(theirs.id)).toBe(before);

    // A token whose key is configured nowhere is reported, not lost.
    const forgetful = createTokenBox({ id: 'knew-nothing', key: randomBytes(32) });
    expect(await resealStaleTokens(query, forgetful, { tenantId: other.tenantId })).toEqual({ channels: 1, resealed: 0, unreadable: [theirs.id] });
    expect(await sealedOf(theirs.id)).toBe(before);
  });
});
