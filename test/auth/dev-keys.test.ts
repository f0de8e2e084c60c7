import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from '../../server/modules/auth/tokens.ts';
import { loadSigningKeys } from '../../server/modules/auth/keys.ts';

const settings = { issuer: 'herald', audience: 'herald-api', ttl: '1h' };

describe('the development key pair under the data directory', () => {
  it('is one pair for processes that start together: a token one signs, every other verifies', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-keys-'));
    try {
      const loaded = await Promise.all(Array.from({ length: 6 }, () => loadSigningKeys({ dataDir })));
      expect(new Set(loaded.map((keys) => keys.kid)).size).toBe(1);
      const token = await issueToken(loaded[0]!, settings, { userId: crypto.randomUUID(), tenantId: crypto.randomUUID(), role: 'ADMIN' });
      for (const keys of loaded) await expect(verifyToken(keys, settings, token)).resolves.toMatchObject({ role: 'ADMIN' });
      // Reused on the next start.
      expect((await loadSigningKeys({ dataDir })).kid).toBe(loaded[0]!.kid);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
