import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createOnce } from '../../shared/create-once.ts';
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
  await createOnce(dir, ['private.pem', 'public.pem'], async () => {
    const pair = await generateKeyPair(JWT_ALGORITHM, { modulusLength: 2048, extractable: true });
    return {
      'private.pem': { content: await exportPKCS8(pair.privateKey), mode: 0o600 },
      'public.pem': { content: await exportSPKI(pair.publicKey), mode: 0o644 },
    };
  });
  return fromPem(await readFile(privateFile, 'utf8'), await readFile(publicFile, 'utf8'));
}
