// The import rules `npm test` checks (dependency-cruiser): one-way data flow, and workflow code Temporal can bundle.
// Run alone with `npm run imports:check`.

/** Files under server/modules/ that are transport, not domain: tRPC procedures and routers, Fastify routes, the sandbox. */
const TRANSPORT = '(\\.procedures?\\.ts|/router\\.ts|/auth-rate-limit\\.ts|/whatsapp/webhook-routes\\.ts|/whatsapp/sandbox[^/]*\\.ts)$';

/** The server modules workflow code may import: pure, import-free rules (the workflow bundle stays deterministic). */
const PURE_FOR_WORKFLOWS = ['^server/modules/messages/status-rules\\.ts$'];

/** Libraries that speak HTTP or tRPC: the domain leaves them to procedures and routes. */
const TRANSPORT_LIBRARIES = '(^|/)node_modules/(fastify|@fastify/|@trpc/|trpc-to-openapi)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circle among server/, workflows/ and activities/ (type imports count: they tie the modules together as much).',
      from: { path: '^(server|workflows|activities)/' },
      to: { circular: true },
    },
    {
      name: 'domain-not-adapters',
      severity: 'error',
      comment:
        'server/modules/ is the domain: it declares ports (types) that server/temporal/ implements, and never imports ' +
        'the Temporal adapter, the HTTP layer, the process wiring or a Temporal client library.',
      from: { path: '^server/modules/' },
      to: { path: ['^server/(temporal|http|entrypoints)/', '^server/runtime\\.ts$', '(^|/)node_modules/@temporalio/(client|worker|testing)/'] },
    },
    {
      name: 'domain-not-transport',
      severity: 'error',
      comment: 'Services, entities and rules never import Fastify, tRPC or server/trpc/: only procedures, routers and routes do.',
      from: { path: '^server/modules/', pathNot: TRANSPORT },
      to: { path: ['^server/trpc/', TRANSPORT_LIBRARIES] },
    },
    {
      name: 'activities-not-adapters',
      severity: 'error',
      comment: 'Activities are thin adapters to the services the API uses; they get workflow clients as ports, not from server/temporal/.',
      from: { path: '^activities/' },
      to: { path: ['^server/(temporal|http|trpc|entrypoints)/', '^server/runtime\\.ts$', TRANSPORT_LIBRARIES] },
    },
    {
      name: 'workflows-no-node',
      severity: 'error',
      comment: 'Workflow code runs in Temporal\'s deterministic sandbox: no Node built-ins.',
      from: { path: '^workflows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'workflows-only-temporal-libraries',
      severity: 'error',
      comment: 'Workflow code imports only @temporalio/workflow and @temporalio/common from node_modules (no ORM, pg, jose, Fastify…).',
      from: { path: '^workflows/' },
      to: { path: '(^|/)node_modules/', pathNot: '(^|/)node_modules/@temporalio/(workflow|common)/' },
    },
    {
      name: 'workflows-only-pure-server-modules',
      severity: 'error',
      comment: 'Workflow code imports from server/ only the pure rule modules listed in PURE_FOR_WORKFLOWS.',
      from: { path: '^workflows/' },
      to: { path: '^server/', pathNot: PURE_FOR_WORKFLOWS },
    },
    {
      name: 'workflows-activities-as-types',
      severity: 'error',
      comment: 'Workflows see activities as a type only (proxyActivities<Activities>); the worker registers them.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing is a typo or a missing file.',
      from: { path: '^(server|workflows|activities)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: the workflows' `import type { Activities }` is part of the graph the rules judge.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // node_modules is a symlink in git worktrees: report its paths as node_modules/…, not where the link points.
    preserveSymlinks: true,
  },
};
