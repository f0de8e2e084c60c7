import { appendFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends a run with one plain line, `tests: N passed, N failed, N skipped`, that tools reading a CI log
 * recognise in any language (Vitest's own summary is spread over several aligned lines). With
 * HERALD_TEST_SUMMARY_FILE set, the line is also appended there, so .ci/run can repeat it as its last line.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed += 1;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    // An error outside any test (a crashed worker, a failing hook) fails the run: count it so the line says so.
    failed += unhandledErrors.length;
    const line = `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
    process.stdout.write(`\n${line}\n`);
    const file = process.env.HERALD_TEST_SUMMARY_FILE;
    if (file) appendFileSync(file, `${line}\n`);
  }
}
