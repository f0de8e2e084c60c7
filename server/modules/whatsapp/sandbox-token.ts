// The one access token Herald's sandbox accepts: the worker sends with it, the API's simulator checks it.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.ts';
import type { GraphClientOptions } from './graph-client.ts';

/** Where the generated token is kept, so the API and the worker (one process or two) share it. */
export const sandboxTokenFile = (dataDir: string) => path.join(dataDir, 'sandbox', 'access-token');

async function readToken(file: string): Promise<string | undefined> {
  try {
    const token = (await readFile(file, 'utf8')).trim();
    return token.length > 0 ? token : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The generated sandbox token under `<data dir>/sandbox/`, created once: written whole to a private
 * temporary file and linked into place, so processes starting together all end up with the same one.
 */
export async function generatedSandboxToken(dataDir: string): Promise<string> {
  const file = sandboxTokenFile(dataDir);
  const existing = await readToken(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(draft, randomBytes(32).toString('base64url'), { mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft);
  }
  const token = await readToken(file);
  if (!token) throw new Error(`the sandbox access token file ${file} is empty`);
  return token;
}

/**
 * Where and as whom the worker sends: the configured Graph API settings, with, in sandbox mode without
 * WHATSAPP_ACCESS_TOKEN, the token generated under the data directory.
 */
export async function whatsappSettings(config: Config): Promise<GraphClientOptions> {
  const accessToken = config.whatsapp.accessToken ?? (await generatedSandboxToken(config.HERALD_DATA_DIR));
  return { ...config.whatsapp, accessToken };
}
