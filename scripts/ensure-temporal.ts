// `npm run temporal:ensure`: finds or builds the Temporal CLI (the dev server `npm start` and `npm test` run),
// so the slow one-time Go build happens up front rather than inside the first start. With `--server` it also
// builds Temporal's own server and SQL tool (for `TEMPORAL_SERVER=postgres npm test` and the benchmarks).
import { findTemporalCli, CACHED_CLI_PATH } from './lib/temporal.ts';
import { ensureTemporalServer } from './lib/temporal-server.ts';

const found = findTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH || undefined, log: (line) => console.log(line) });
if (found) {
  console.log(`Temporal CLI: ${found.path} (${found.source})`);
} else {
  console.log(`No Temporal CLI found or built (looked at TEMPORAL_CLI_PATH, PATH, ${CACHED_CLI_PATH}, go);`);
  console.log("npm start and npm test will fall back to the Temporal SDK's download, which needs internet.");
}
if (process.argv.includes('--server')) {
  const server = ensureTemporalServer((line) => console.log(line));
  console.log(`Temporal server: ${server.server} (schema in ${server.schemaDir})`);
}
