import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnce } from '../../server/shared/create-once.ts';

describe('files created once (dev keys under .data)', () => {
  const scratch = mkdtemp(path.join(os.tmpdir(), 'herald-create-once-'));
  afterAll(async () => rm(await scratch, { recursive: true, force: true }));

  it('keeps the secrets directory private but not the parents it had to create', async () => {
    // As under a fresh clone: `.data` does not exist yet when the first key is made.
    const data = path.join(await scratch, '.data');
    const keys = path.join(data, 'encryption');
    await createOnce(keys, ['key'], async () => ({ key: { content: 'secret', mode: 0o600 } }));
    expect(await readFile(path.join(keys, 'key'), 'utf8')).toBe('secret');
    expect((await stat(keys)).mode & 0o777).toBe(0o700);
    // `.data` gets the mode any new directory gets here, so PostgreSQL's own user can reach .data/postgres when
    // `npm start` runs as root.
    const usual = path.join(await scratch, 'usual');
    await mkdir(usual);
    expect((await stat(data)).mode & 0o777).toBe((await stat(usual)).mode & 0o777);
  });
});
