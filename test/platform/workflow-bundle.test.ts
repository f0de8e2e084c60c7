import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/harness.ts';

describe('workflow code stays deterministic', () => {
  // Temporal's bundler refuses Node built-ins and anything that pulls them in (ORM, pg, jose, Fastify),
  // so building the bundle is the check that workflows import only what they may.
  it('bundles without Node built-ins, the ORM or the HTTP stack', async () => {
    const bundle = await workflowBundle();
    expect(bundle.code).toContain('echoWorkflow');
    for (const forbidden of ['@mikro-orm', 'node_modules/pg/', 'node_modules/fastify/', 'node_modules/jose/']) {
      expect(bundle.code).not.toContain(forbidden);
    }
  });
});
