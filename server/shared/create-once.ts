import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface FileToCreate {
  content: string;
  mode: number;
}

/**
 * Creates `dir` holding the files `make` returns, once: written into a directory beside it, then renamed
 * into place in one step, so processes starting together (API replicas, the API and its worker, test
 * files) all end up with the one set that won, never a mix. Does nothing when every name is there already.
 */
export async function createOnce(dir: string, names: string[], make: () => Promise<Record<string, FileToCreate>>): Promise<void> {
  if (names.every((name) => existsSync(path.join(dir, name)))) return;
  const staging = `${dir}.${randomUUID()}`;
  // The parents get the usual mode: only the secrets' own directory is private. A private `.data` would keep
  // PostgreSQL's own user (as root, `npm start` runs initdb as `postgres`) out of `.data/postgres`.
  await mkdir(path.dirname(dir), { recursive: true });
  await mkdir(staging, { mode: 0o700 });
  try {
    for (const [name, file] of Object.entries(await make())) await writeFile(path.join(staging, name), file.content, { mode: file.mode });
    await rename(staging, dir);
  } catch (error) {
    if (!['EEXIST', 'ENOTEMPTY'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
