import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Role } from '../modules/users/user.entity.ts';

/**
 * Who may call a procedure, declared once in its meta: `'public'` (anyone, no token; only on `publicProcedure`)
 * or the roles that may. The auth middleware enforces it, the OpenAPI document states it (`x-roles` and the
 * description), and test/api/roles.test.ts walks the router to check both and the README's table.
 */
export type Roles = 'public' | readonly [Role, ...Role[]];

/**
 * Procedure metadata: trpc-to-openapi's, plus who may call it (`roles`, required, so a procedure cannot forget
 * it), the HTTP status of success when it is not 200, and the business errors the operation can answer, and
 * whether an identical replay (same idempotency key and body) answers 200 with the first result. The OpenAPI
 * document adds the rest itself: 400 and 500 everywhere, 401/403 when protected, 404 for a path with an id,
 * 413/415 for a POST.
 */
export type HeraldMeta = OpenApiMeta<{
  roles: Roles;
  successStatus?: 201;
  replayable?: true;
  errorStatuses?: (401 | 404 | 409 | 413 | 422 | 429)[];
}>;

interface ProcedureLike {
  _def: { meta?: HeraldMeta };
}

/** Every procedure's metadata by its dotted path (e.g. `auth.registerTenant`). */
export function procedureMetas(router: { _def: { procedures: object } }): Map<string, HeraldMeta> {
  const metas = new Map<string, HeraldMeta>();
  for (const [path, procedure] of Object.entries(router._def.procedures as Record<string, ProcedureLike>)) {
    if (procedure._def.meta) metas.set(path, procedure._def.meta);
  }
  return metas;
}

/** Whether `role` may call a procedure with this meta; a procedure without a declaration refuses everyone. */
export function mayCall(meta: HeraldMeta | undefined, role: Role): boolean {
  const roles = meta?.roles;
  return roles !== undefined && roles !== 'public' && roles.includes(role);
}
