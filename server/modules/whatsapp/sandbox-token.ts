// The one access token Herald's sandbox accepts: the worker sends with it, the API's simulator checks it.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { createOnce } from '../../shared/create-once.ts';
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

/** The generated sandbox token under `<data dir>/sandbox/`, created once (shared by processes starting together). */
export async function generatedSandboxToken(dataDir: string): Promise<string> {
  const file = sandboxTokenFile(dataDir);
  await createOnce(path.dirname(file), [path.basename(file)], async () => ({
    [path.basename(file)]: { content: randomBytes(32).toString('base64url'), mode: 0o600 },
  }));
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
