import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveTenantScope } from '../../server/modules/billing/billing.service.ts';

describe('whose billing a caller reads', () => {
  const own = randomUUID();
  const other = randomUUID();

  it('gives a tenant user their own tenant, named or not', () => {
    expect(resolveTenantScope(own, undefined)).toBe(own);
    expect(resolveTenantScope(own, own)).toBe(own);
  });

  it("answers NOT_FOUND, not FORBIDDEN, when a tenant user names another tenant", () => {
    expect(() => resolveTenantScope(own, other)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('gives the platform operator the tenant they name, and requires one', () => {
    expect(resolveTenantScope(undefined, other)).toBe(other);
    expect(() => resolveTenantScope(undefined, undefined)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', reason: 'TENANT_ID_REQUIRED' }));
  });
});
