// Child process of bundle.ts: `node build-bundle.ts <workflowsPath> <out.js>` writes the workflow bundle.
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';

const [workflowsPath, out] = process.argv.slice(2);
if (!workflowsPath || !out) throw new Error('usage: build-bundle.ts <workflowsPath> <out.js>');
const silent = () => {};
const { code } = await bundleWorkflowCode({ workflowsPath, logger: { log: silent, trace: silent, debug: silent, info: silent, warn: silent, error: silent } });
await writeFile(out, code);
