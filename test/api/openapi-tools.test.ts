// The OpenAPI document as third-party tools read it: Redocly's linter.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, startHarness, type Harness } from '../support/harness.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const REDOCLY = path.join(ROOT, 'node_modules/.bin/redocly');
// No usage report to Redocly and no look-up of its latest version on npm: the lint runs offline.
const OFFLINE = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' };

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
}

/** `redocly lint` with the repository's redocly.yaml, as JSON; it exits non-zero when it finds an error. */
async function lint(file: string): Promise<LintReport> {
  const args = ['lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'json'];
  const { stdout } = await run(REDOCLY, args, { cwd: ROOT, env: OFFLINE, maxBuffer: 16 * 1024 * 1024 }).catch((error: { stdout?: string }) => {
    if (!error.stdout) throw error;
    return { stdout: error.stdout };
  });
  return JSON.parse(stdout) as LintReport;
}

describe('the OpenAPI document, read by third-party tools', () => {
  let herald: Harness;
  let scratch: string;
  let document: unknown;
  beforeAll(async () => {
    herald = await startHarness();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'herald-openapi-'));
    document = (await rest(herald, 'GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await herald?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const file = path.join(scratch, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const report = await lint(file);
    const problems = report.problems.map((problem) => `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
