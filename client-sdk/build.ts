import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/**
 * Builds the publishable SDK into client-sdk/dist: index.js (imports only @trpc/client) and one index.d.ts with
 * the router's types inlined, so an app outside this repository needs nothing from the server.
 */
const sdk = import.meta.dirname;
const dist = path.join(sdk, 'dist');
const declarations = path.join(dist, '.declarations');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// 1. tsc writes declarations for index.ts and everything it reaches; the routers' types come out fully expanded.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(sdk, 'tsconfig.build.json')], { stdio: 'inherit' });

// 2. The client never sees the server's request context or procedure metadata; the only server types the
// routers still name are these two, and they would drag in the ORM, Temporal and the rest.
writeFileSync(path.join(declarations, 'server/trpc/context.d.ts'), 'export type Context = object;\n');
writeFileSync(path.join(declarations, 'server/trpc/meta.d.ts'), 'export type HeraldMeta = object;\n');

// 3. One self-contained index.d.ts; only @trpc/client and @trpc/server stay imports. Its own check compiles the result.
execFileSync(
  process.execPath,
  [
    require.resolve('dts-bundle-generator/dist/bin/dts-bundle-generator.js'),
    '--silent',
    '--no-banner',
    '--export-referenced-types=false',
    '--project', path.join(sdk, 'tsconfig.build.json'),
    '--out-file', path.join(dist, 'index.d.ts'),
    path.join(declarations, 'client-sdk/index.d.ts'),
  ],
  { stdio: 'inherit' },
);
rmSync(declarations, { recursive: true, force: true });

// 4. The JavaScript: index.ts alone, types erased (its router import is type-only, so it disappears).
const source = readFileSync(path.join(sdk, 'index.ts'), 'utf8');
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
  fileName: 'index.ts',
});
writeFileSync(path.join(dist, 'index.js'), outputText);

const imports = [...outputText.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((match) => match[1]);
if (imports.some((specifier) => specifier !== '@trpc/client')) throw new Error(`dist/index.js imports more than @trpc/client: ${imports.join(', ')}`);
console.log(`client-sdk/dist: index.js, index.d.ts`);
