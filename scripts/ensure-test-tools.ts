// `npm test` runs this first. It provides what the suite needs beyond npm's packages, the way `npm start` builds the
// Temporal CLI: Chromium for the browser test, Java 17 or newer and Maven for the time-skipping tests (whose Temporal
// test server is then fetched once from Maven Central into the cache), and the Temporal CLI itself. When everything
// is there it only looks. When something is missing and cannot be installed, it stops with one line saying what to install.
import { findTemporalCli } from './lib/temporal.ts';
import { ensureTemporalTestServer } from './lib/temporal-test-server.ts';
import { isExecutable, onPath, outputOf, provide, type Requirement } from './lib/system-packages.ts';

const say = (line: string) => console.log(`[test setup] ${line}`);
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const MIN_JAVA = 17;

/** The major version `java -version` reports (`1.8.0` reads as 8), or undefined without a working java. */
function javaMajor(): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(outputOf('java', ['-version']) ?? '');
  if (!match) return undefined;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

const requirements: Requirement[] = [
  {
    what: `Chromium at ${chromium} (the browser test)`,
    packages: ['chromium'],
    present: () => isExecutable(chromium),
    otherwise: 'set CHROMIUM_PATH to a Chromium',
  },
  { what: `Java ${MIN_JAVA} or newer (the time-skipping tests)`, packages: ['default-jre-headless'], present: () => (javaMajor() ?? 0) >= MIN_JAVA },
  { what: 'Maven (fetches their Temporal test server)', packages: ['maven'], present: () => onPath('mvn') },
];

const missing = provide(requirements, say);
if (missing) {
  console.error(`[test setup] ${missing}`);
  process.exit(1);
}
await ensureTemporalTestServer(say);
// The suite's own Temporal dev server, unless TEMPORAL_ADDRESS names one (global-setup falls back to the SDK's download).
if (!process.env.TEMPORAL_ADDRESS) findTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH || undefined, log: say });
