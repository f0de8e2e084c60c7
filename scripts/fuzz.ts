// `npm run fuzz`: property-based fuzzing of the OpenAPI document with schemathesis, every check on (see
// scripts/schemathesis.toml), against a throwaway Herald (embedded PostgreSQL, Temporal dev server, API and worker in sandbox mode) and a fresh tenant
// that has credits, an APPROVED template and a contact. Exits non-zero on any failed check, on any
// server error, or when fewer than FUZZ_MIN_CASES cases were generated.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_DIR } from './lib/temporal.ts';
import { seedTenant, startFuzzHerald } from './lib/fuzz-herald.ts';
import { outputOf, provide } from './lib/system-packages.ts';

const SCHEMATHESIS_VERSION = '4.32.5';
const VENV = path.join(CACHE_DIR, `schemathesis-${SCHEMATHESIS_VERSION}`);
const ST = path.join(VENV, 'bin', 'st');
const CONFIG = path.join(import.meta.dirname, 'schemathesis.toml');
const maxExamples = Number(process.env.FUZZ_MAX_EXAMPLES ?? 50);
const seed = process.env.FUZZ_SEED ?? '20261127';
const minCases = Number(process.env.FUZZ_MIN_CASES ?? 1000);
// schemathesis's own output ends with a pytest-style banner (`==== 3 warnings in 54.6s ====`) that CI log readers
// take for a test run that ran nothing: it goes to this file whole, and the log gets Herald's digest instead.
const LOG_DIR = process.env.HERALD_FUZZ_LOG_DIR ?? path.join(CACHE_DIR, 'fuzz');
const LOG_FILE = path.join(LOG_DIR, 'schemathesis.log');

const say = (line: string) => process.stdout.write(`[fuzz] ${line}\n`);

/** schemathesis, pinned, in a virtualenv of its own under the Herald cache (never installed globally). */
function ensureSchemathesis(): void {
  if (existsSync(ST)) return;
  const missing = provide(
    [{ what: 'Python 3 with its venv module (schemathesis)', packages: ['python3', 'python3-venv'], present: () => outputOf('python3', ['-c', 'import ensurepip, venv']) !== undefined }],
    say,
  );
  if (missing) {
    process.stderr.write(`[fuzz] ${missing}\n`);
    process.exit(1);
  }
  say(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${VENV}`);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  };
  run('python3', ['-m', 'venv', VENV]);
  run(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`]);
}

async function runSchemathesis(url: string, token: string, scratch: string): Promise<number> {
  const args = [
    '--config-file', CONFIG, 'run', `${url}/openapi.json`,
    '--header', `Authorization: Bearer ${token}`,
    '--max-examples', String(maxExamples),
    '--seed', seed,
    '--workers', '2',
    '--no-color',
    '--report', 'json', '--report-json-path', path.join(scratch, 'schemathesis-report.json'),
  ];
  say(`st run ${url}/openapi.json --max-examples ${maxExamples} --seed ${seed} (config ${path.relative(process.cwd(), CONFIG)})`);
  await mkdir(LOG_DIR, { recursive: true });
  say(`schemathesis's full output: ${LOG_FILE}`);
  const log = createWriteStream(LOG_FILE);
  // In the scratch directory, so its crash cache neither lands in the checkout nor replays an old run.
  const child = spawn(ST, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: scratch });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exit, signal) => resolve(exit ?? (signal ? 1 : 0)));
  });
  await new Promise<void>((resolve) => log.end(resolve));
  return code;
}

/** On a failed run, the log's own lines show why; banner rules (`====`) are left out, as they would close the CI log. */
async function showLog(): Promise<void> {
  const lines = (await readFile(LOG_FILE, 'utf8')).split('\n');
  for (const line of lines) if (!/^\s*={3,}/.test(line) && line.trim() !== '') say(`  | ${line}`);
}

interface Report {
  test_cases: { generated: number; with_failures: number; unique_failures: number };
  operations: { tested: number; errored: number };
  failures: { code: string; title: string; count: number; operations: string[] }[];
  errors: unknown[];
}

function summarise(report: Report): { serverErrors: number; failures: number } {
  const serverErrors = report.failures.filter((failure) => /server error/i.test(failure.title)).reduce((sum, failure) => sum + failure.count, 0);
  const failures = report.failures.reduce((sum, failure) => sum + failure.count, 0);
  say(`operations tested: ${report.operations.tested}, errored: ${report.operations.errored}`);
  say(`test cases generated: ${report.test_cases.generated}, with failures: ${report.test_cases.with_failures}`);
  say(`server errors: ${serverErrors}; failures of any check: ${failures}; run errors: ${report.errors.length}`);
  for (const failure of report.failures) say(`  ${failure.code} ${failure.title} ×${failure.count}: ${failure.operations.join(', ')}`);
  return { serverErrors, failures };
}

ensureSchemathesis();
if (process.argv.includes('--install-only')) process.exit(0);

const started = Date.now();
say('starting Herald (embedded PostgreSQL, Temporal dev server, API, worker; sandbox mode)');
const herald = await startFuzzHerald(say);
let exitCode = 1;
try {
  const tenant = await seedTenant(herald);
  say(`tenant ${tenant.tenantId} ready at ${herald.url}`);
  const stExit = await runSchemathesis(herald.url, tenant.token, herald.scratch);
  const report = JSON.parse(await readFile(path.join(herald.scratch, 'schemathesis-report.json'), 'utf8')) as Report;
  const { serverErrors, failures } = summarise(report);
  const enough = report.test_cases.generated >= minCases;
  if (!enough) say(`too few cases: ${report.test_cases.generated} < ${minCases} (raise FUZZ_MAX_EXAMPLES)`);
  exitCode = stExit === 0 && serverErrors === 0 && failures === 0 && report.errors.length === 0 && enough ? 0 : 1;
  if (exitCode !== 0) await showLog();
} catch (error) {
  say(`fuzz run failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await herald.stop();
}
say(`${exitCode === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(exitCode);
