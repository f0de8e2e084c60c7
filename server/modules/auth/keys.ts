import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, type CryptoKey, type JWK } from 'jose';

export const JWT_ALGORITHM = 'RS256';

export interface SigningKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Key id, the RFC 7638 thumbprint of the public key; sent in each token's header and in the JWKS. */
  kid: string;
  publicJwk: JWK;
}

async function fromPem(privatePem: string, publicPem: string): Promise<SigningKeys> {
  const privateKey = await importPKCS8(privatePem, JWT_ALGORITHM);
  const publicKey = await importSPKI(publicPem, JWT_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, publicKey, kid, publicJwk: { ...jwk, kid, alg: JWT_ALGORITHM, use: 'sig' } };
}

/**
 * The RS256 key pair: from JWT_PRIVATE_KEY/JWT_PUBLIC_KEY when set (PEM; `\n` escapes allowed), else a
 * development pair generated once under `<data dir>/jwt/` and reused, so tokens survive restarts.
 */
export async function loadSigningKeys(settings: { privatePem?: string; publicPem?: string; dataDir: string }): Promise<SigningKeys> {
  if (settings.privatePem && settings.publicPem) {
    const unescape = (pem: string) => pem.replaceAll('\\n', '\n');
    return fromPem(unescape(settings.privatePem), unescape(settings.publicPem));
  }
  const dir = path.join(settings.dataDir, 'jwt');
  const privateFile = path.join(dir, 'private.pem');
  const publicFile = path.join(dir, 'public.pem');
  if (!existsSync(privateFile) || !existsSync(publicFile)) {
    // Written beside, then renamed into place in one step: processes starting together (API replicas, test
    // files) all end up with the one pair that won, never one's private key with another's public key.
    const pair = await generateKeyPair(JWT_ALGORITHM, { modulusLength: 2048, extractable: true });
    const staging = `${dir}.${randomUUID()}`;
    await mkdir(staging, { recursive: true, mode: 0o700 });
    await writeFile(path.join(staging, 'private.pem'), await exportPKCS8(pair.privateKey), { mode: 0o600 });
    await writeFile(path.join(staging, 'public.pem'), await exportSPKI(pair.publicKey), { mode: 0o644 });
    try {
      await rename(staging, dir);
    } catch (error) {
      if (!['EEXIST', 'ENOTEMPTY'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  return fromPem(await readFile(privateFile, 'utf8'), await readFile(publicFile, 'utf8'));
}
