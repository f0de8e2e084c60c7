/** Every entity, listed explicitly (no folder scanning), so the ORM and the migrations see the same set. */
export const entities = [] as const;
