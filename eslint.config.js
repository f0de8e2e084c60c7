// Lint rules that the type checker does not catch. Type-aware (typescript-eslint's project service), so a
// promise nobody awaits is an error; workflow code is held to Temporal's sandbox rules (no Node built-ins, no
// server infrastructure), as dependency-cruiser also checks for the import graph.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'client-sdk/dist/**', '.data/**', 'bench/results/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code runs in Temporal’s sandbox: no Node built-ins.' },
            { group: ['@mikro-orm/*', 'pg', 'jose', 'fastify', '@trpc/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflow code is deterministic: no infrastructure; call activities.' },
          ],
        },
      ],
    },
  },
);
