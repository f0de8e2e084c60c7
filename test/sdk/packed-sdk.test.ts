import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const SDK = path.join(ROOT, 'client-sdk');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

function npm(args: string[], cwd: string) {
  return run('npm', args, { cwd, maxBuffer: 16 * 1024 * 1024 });
}

/** The app a customer writes: it knows Herald only through the installed package. */
function appSource(url: string): string {
  return `import { createHeraldClient } from '@herald/client-sdk';

const url = ${JSON.stringify(url)};
const anonymous = createHeraldClient({ url });

// Wrong inputs and misread outputs are compile errors: tsc passes only if each line below IS an error.
// @ts-expect-error tenantName must be a string, and slug, adminEmail, adminPassword, adminName are missing
export const wrongInput = () => anonymous.auth.registerTenant.mutate({ tenantName: 42 });
// @ts-expect-error there is no such procedure
export const noSuchProcedure = () => anonymous.templates.delete.mutate({});

const registered = await anonymous.auth.registerTenant.mutate({
  tenantName: 'Packed SDK Inc',
  slug: 'packed-sdk',
  adminEmail: 'admin@packed-sdk.com',
  adminPassword: 'password123',
  adminName: 'Pat Packer',
});
// @ts-expect-error a balance is a decimal string, not a number
export const wrongOutput: number = registered.tenant.balance;

const herald = createHeraldClient({ url, token: registered.token });
await herald.templates.create.mutate({
  name: 'order_shipped',
  content: 'Hi {{1}}, your order has shipped',
  variables: ['name'],
  metaTemplateId: 'meta_packed_1',
  status: 'APPROVED',
});
const { items } = await herald.templates.list.query({ limit: 10 });
// A message names its campaign, null outside one: a typed field of every message the client reads.
export const campaignOf = (message: Awaited<ReturnType<typeof herald.messages.get.query>>): string | null => message.campaignId;
const balance: string = registered.tenant.balance;
console.log(JSON.stringify({ tenant: registered.tenant.slug, balance, templates: items.map((template) => template.name) }));
`;
}

describe('the client SDK, packed and installed by an app outside this repository', () => {
  let herald: Harness;
  let scratch: string;
  beforeAll(async () => {
    herald = await startHarness();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'herald-sdk-app-'));
  });
  afterAll(async () => {
    await herald?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('installs from its tarball, flags a wrong input at compile time and calls a running Herald', { timeout: 180_000 }, async () => {
    await run(process.execPath, [path.join(SDK, 'build.ts')], { cwd: ROOT });
    const bundled = await readFile(path.join(SDK, 'dist/index.d.ts'), 'utf8');
    expect(bundled).not.toMatch(/server\//);
    expect([...bundled.matchAll(/from ['"]([^'"]+)['"]/g)].map((match) => match[1])).toEqual(['@trpc/client']);

    const packed = JSON.parse((await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], SDK)).stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed[0]!.files.map((file) => file.path).sort()).toEqual(['README.md', 'dist/index.d.ts', 'dist/index.js', 'package.json']);

    // The peers (@trpc/client, @trpc/server) come from npm's cache when it has them; TypeScript is this repo's.
    await writeFile(path.join(scratch, 'package.json'), JSON.stringify({ name: 'sdk-customer', private: true, type: 'module' }));
    await writeFile(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2023', lib: ['ES2023', 'ESNext.Disposable', 'DOM'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] },
        files: ['app.ts'],
      }),
    );
    await writeFile(path.join(scratch, 'app.ts'), appSource(herald.url));
    await npm(['install', `./${packed[0]!.filename}`, '--no-audit', '--no-fund', '--prefer-offline'], scratch);

    await run(process.execPath, [TSC, '-p', scratch], { cwd: scratch }).catch((error: { stdout: string }) => {
      throw new Error(`tsc rejected the customer app:\n${error.stdout}`);
    });

    const { stdout } = await run(process.execPath, [path.join(scratch, 'app.ts')], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ tenant: 'packed-sdk', balance: '0.0000', templates: ['order_shipped'] });
  });
});
