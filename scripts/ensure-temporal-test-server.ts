// Fetches Temporal's Java time-skipping test server from Maven Central into the cache ahead of `npm test`
// (CI runs it as its own step, so the one-time download is timed apart from the tests).
import { ensureTemporalTestServer, TEMPORAL_TEST_SERVER_VERSION, TEST_SERVER_DIR } from './lib/temporal-test-server.ts';

await ensureTemporalTestServer((line) => console.log(line));
console.log(`Temporal test server ${TEMPORAL_TEST_SERVER_VERSION}: ${TEST_SERVER_DIR}`);
