import { z } from 'zod';
import { creditsOutput, formatCredits } from '../../shared/money.ts';
import { isoTimestamp } from '../../shared/schemas.ts';
import type { Tenant } from './tenant.entity.ts';

export const tenantOutput = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    balance: creditsOutput,
    createdAt: isoTimestamp,
  })
  .meta({ id: 'Tenant' });

export const toTenantOutput = (tenant: Tenant): z.infer<typeof tenantOutput> => ({
  id: tenant.id,
  name: tenant.name,
  slug: tenant.slug,
  balance: formatCredits(BigInt(tenant.balance)),
  createdAt: tenant.createdAt.toISOString(),
});
