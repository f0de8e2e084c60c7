// The worker's workflow bundle, built by webpack in a short-lived child process: building it inside the worker
// left its memory high-water mark there for the worker's whole life (about 460 MB at rest instead of about 200).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BUILDER = fileURLToPath(new URL('./build-bundle.ts', import.meta.url));

/** Builds the bundle of `workflowsPath` in a child process and returns its code. */
export async function buildWorkflowBundle(workflowsPath: string): Promise<{ code: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-workflows-'));
  const out = path.join(dir, 'bundle.js');
  try {
    await promisify(execFile)(process.execPath, [BUILDER, workflowsPath, out], { maxBuffer: 16 * 1024 * 1024 });
    return { code: await readFile(out, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
