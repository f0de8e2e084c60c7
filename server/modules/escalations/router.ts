import { router } from '../../trpc/init.ts';
import { createPolicyProcedure, getPolicyProcedure, listPoliciesProcedure } from './escalation-policies.procedures.ts';

export const escalationPoliciesRouter = router({ create: createPolicyProcedure, list: listPoliciesProcedure, get: getPolicyProcedure });
