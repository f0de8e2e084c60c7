import type { Role } from '../../server/modules/users/user.entity.ts';
import type { HeraldMeta, Roles } from '../../server/trpc/meta.ts';
import { appRouter } from '../../server/trpc/router.ts';

/** Who calls: a signed-in user of a role, or nobody signed in. */
export type Caller = 'anonymous' | Role;
export const CALLERS: readonly Caller[] = ['anonymous', 'SUB_ADMIN', 'ADMIN', 'SUPER_ADMIN'];

/** One procedure of the router as it declares itself: its dotted path, query or mutation, and its meta. */
export interface DeclaredProcedure {
  procedure: string;
  type: 'query' | 'mutation' | 'subscription';
  meta: HeraldMeta | undefined;
}

/** Every procedure of the whole router, read from the router itself (so a new one cannot be left out). */
// At run time `_def.procedures` is flat, keyed by the dotted path (its type is the nested router).
const flat = appRouter._def.procedures as object as Record<string, { _def: { type: DeclaredProcedure['type']; meta?: HeraldMeta } }>;
export const PROCEDURES: DeclaredProcedure[] = Object.entries(flat).map(([procedure, { _def }]) => ({ procedure, type: _def.type, meta: _def.meta }));

/** The roles `procedure` declares (throws for an unknown procedure, so a typo in a test cannot pass). */
export function declaredRoles(procedure: string): Roles {
  const roles = PROCEDURES.find((declared) => declared.procedure === procedure)?.meta?.roles;
  if (!roles) throw new Error(`${procedure} declares no roles`);
  return roles;
}

/** Whether `caller` is among those a declaration lets in: everyone when public, else the roles it names. */
export const admits = (roles: Roles, caller: Caller): boolean => roles === 'public' || (caller !== 'anonymous' && roles.includes(caller));
