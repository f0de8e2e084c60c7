import { z } from 'zod';
import { page, pageInput } from '../../shared/schemas.ts';
import { authedProcedure } from '../../trpc/init.ts';
import { createPolicy, getPolicy, listPolicies } from './escalation-policies.service.ts';
import { policyInput, policyOutput, toPolicyOutput } from './escalation.schema.ts';

export const createPolicyProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'POST',
      path: '/escalation-policies',
      tags: ['escalations'],
      summary: 'Define an escalation policy: who is told, and when, if nobody reads a message',
      description:
        '1-10 levels. Level 1 falls due `after` the root message was sent; each next level `after` the ' +
        "previous one's due time. When a level falls due and the root has not reached that level's `unless` " +
        '(DELIVERED, READ, REPLIED or ACKNOWLEDGED), the level\'s template goes to its contact. Contacts and templates ' +
        "must be the tenant's own (422).",
      protect: true,
      successDescription: 'Created',
    },
    errorStatuses: [422],
    successStatus: 201,
  })
  .input(policyInput)
  .output(policyOutput)
  .mutation(async ({ ctx, input }) => toPolicyOutput(await createPolicy(ctx.em, ctx.principal.tenantId!, input)));

export const listPoliciesProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/escalation-policies', tags: ['escalations'], summary: "List the tenant's escalation policies", protect: true },
  })
  .input(z.strictObject({ ...pageInput }))
  .output(page(policyOutput))
  .query(async ({ ctx, input }) => {
    const result = await listPolicies(ctx.em, input);
    return { items: result.items.map(toPolicyOutput), nextCursor: result.nextCursor };
  });

export const getPolicyProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: { method: 'GET', path: '/escalation-policies/{id}', tags: ['escalations'], summary: 'Read an escalation policy', protect: true },
  })
  .input(z.strictObject({ id: z.uuid() }))
  .output(policyOutput)
  .query(async ({ ctx, input }) => toPolicyOutput(await getPolicy(ctx.em, input.id)));
