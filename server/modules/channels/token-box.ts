// Channel access tokens at rest: AES-256-GCM with a key id, so keys can be rotated (new tokens are sealed
// with the current key; tokens sealed with a previous key still open until they are re-sealed).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { createOnce } from '../../shared/create-once.ts';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface TokenBox {
  /** The sealed form stored in the database; bound to its channel, so it cannot be moved to another row. */
  seal(token: string, channelId: string): string;
  open(sealed: string, channelId: string): string;
  /** The key id new seals use. */
  currentKeyId: string;
  /** Whether `sealed` was made with an older key (a candidate for re-sealing). */
  isStale(sealed: string): boolean;
}

const FORMAT = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** A key as configured: `<keyId>:<base64 of 32 bytes>`, or the base64 alone (its id is then derived from it). */
export function parseEncryptionKey(text: string): EncryptionKey | string {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const id = colon === -1 ? undefined : trimmed.slice(0, colon);
  const material = colon === -1 ? trimmed : trimmed.slice(colon + 1);
  if (id !== undefined && !KEY_ID.test(id)) return 'has a key id that is not 1-32 letters, digits, _ or -';
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(material)) return 'must be base64 (optionally "<keyId>:<base64>")';
  const key = Buffer.from(material, 'base64');
  if (key.length !== 32) return `must decode to 32 bytes (got ${key.length})`;
  return { id: id ?? createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

export function createTokenBox(current: EncryptionKey, previous: EncryptionKey[] = []): TokenBox {
  const keys = new Map<string, Buffer>([...previous, current].map((entry) => [entry.id, entry.key]));
  const aad = (channelId: string) => Buffer.from(`herald:channel:${channelId}`);
  return {
    currentKeyId: current.id,
    seal(token, channelId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(aad(channelId));
      const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return [FORMAT, current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, channelId) {
      const [format, keyId, iv, tag, body] = sealed.split('.');
      if (format !== FORMAT || !keyId || iv === undefined || tag === undefined || body === undefined) {
        throw new Error('a channel token is not in the sealed format');
      }
      const key = keys.get(keyId);
      if (!key) throw new Error(`a channel token is sealed with key "${keyId}", which is not configured (HERALD_ENCRYPTION_KEY or HERALD_ENCRYPTION_KEYS_PREVIOUS)`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad(channelId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
    isStale: (sealed) => sealed.split('.')[1] !== current.id,
  };
}

/** The development key under `<data dir>/encryption/`, generated once (shared by the API and the worker). */
async function devKey(dataDir: string): Promise<EncryptionKey> {
  const dir = path.join(dataDir, 'encryption');
  await createOnce(dir, ['key'], async () => ({
    key: { content: `dev-${randomBytes(3).toString('hex')}:${randomBytes(32).toString('base64')}\n`, mode: 0o600 },
  }));
  const parsed = parseEncryptionKey(await readFile(path.join(dir, 'key'), 'utf8'));
  if (typeof parsed === 'string') throw new Error(`the development encryption key under ${dir} ${parsed}`);
  return parsed;
}

/** The process's token box: the configured keys, or the development key generated under the data directory. */
export async function loadTokenBox(settings: { current: EncryptionKey | undefined; previous: EncryptionKey[]; dataDir: string }): Promise<TokenBox> {
  return createTokenBox(settings.current ?? (await devKey(settings.dataDir)), settings.previous);
}
