// `npm run channels:reseal [-- --tenant <uuid>]`: after a key rotation (new HERALD_ENCRYPTION_KEY, the old one in
// HERALD_ENCRYPTION_KEYS_PREVIOUS), seals every channel token again with the new key, so the old key can be
// dropped. Uses DATABASE_URL, else the embedded dev database. Exits 1 when a token opens with no configured key.
import { existsSync } from 'node:fs';
import { loadConfigOrExit } from '../server/config.ts';
import { openOrm } from '../server/db/orm.ts';
import { resealStaleTokens } from '../server/modules/channels/token-reseal.ts';
import { channelTokenBox } from '../server/runtime.ts';
import { openDevDatabase, type RunningPostgres } from './lib/postgres.ts';

if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfigOrExit();
const tenantFlag = process.argv.indexOf('--tenant');
const tenantId = tenantFlag === -1 ? undefined : process.argv[tenantFlag + 1];
if (tenantFlag !== -1 && !/^[0-9a-f-]{36}$/i.test(tenantId ?? '')) {
  console.error('[channels:reseal] --tenant takes a tenant uuid');
  process.exit(2);
}

let postgres: RunningPostgres | undefined;
let databaseUrl = config.DATABASE_URL;
if (!databaseUrl) {
  postgres = await openDevDatabase({ dataDir: config.HERALD_DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT });
  if (!postgres) {
    console.error(`[channels:reseal] no DATABASE_URL and no embedded database under ${config.HERALD_DATA_DIR}`);
    process.exit(2);
  }
  databaseUrl = postgres.url;
}

const orm = await openOrm(databaseUrl);
let exitCode = 0;
try {
  const box = await channelTokenBox(config);
  const em = orm.em.fork();
  const report = await resealStaleTokens((sql, params) => em.execute(sql, params), box, tenantId ? { tenantId } : {});
  console.log(`channels: ${report.channels}, re-sealed with key "${box.currentKeyId}": ${report.resealed}`);
  if (report.unreadable.length > 0) {
    console.log(`no configured key opens the token of channel(s) ${report.unreadable.join(', ')}: add its key to HERALD_ENCRYPTION_KEYS_PREVIOUS`);
    exitCode = 1;
  }
} finally {
  await orm.close();
  await postgres?.stop();
}
process.exit(exitCode);
