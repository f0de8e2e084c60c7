// A tenant ready to send, made through Herald's own services (the API's code path, minus HTTP).
import { randomUUID } from 'node:crypto';
import type { Orm } from '../../server/db/orm.ts';
import { TENANT_FILTER } from '../../server/db/tenant-scope.ts';
import { postEntry } from '../../server/modules/billing/ledger.service.ts';
import { importContacts } from '../../server/modules/contacts/contacts.service.ts';
import { Template } from '../../server/modules/templates/template.entity.ts';
import { Tenant } from '../../server/modules/tenants/tenant.entity.ts';
import { units } from '../../server/shared/money.ts';

export interface BenchTenant {
  tenantId: string;
  templateId: string;
  contactIds: string[];
}

/** Ordinary sandbox numbers (never ending 0000/0001/0002), distinct across tenants. */
const phoneFor = (tenantIndex: number, i: number) => `+1555${String(tenantIndex % 1000).padStart(3, '0')}${String(3000 + i).padStart(4, '0')}`;

export async function benchTenant(orm: Orm, options: { contacts: number; credits: bigint; index?: number }): Promise<BenchTenant> {
  const tenantId = randomUUID();
  const em = orm.em.fork();
  em.create(Tenant, { id: tenantId, name: 'Bench', slug: `bench-${tenantId.slice(0, 8)}`, balance: 0n });
  await em.flush();
  await postEntry(orm.em.fork(), { tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(options.credits), description: 'bench' });
  const template = em.create(Template, {
    id: randomUUID(),
    tenantId,
    name: 'bench_message',
    language: 'en_US',
    category: 'UTILITY',
    status: 'APPROVED',
    content: 'Hello {{1}}',
    variables: ['name'],
    metaTemplateId: 'bench',
  });
  await em.flush();
  const scoped = orm.em.fork();
  scoped.setFilterParams(TENANT_FILTER, { tenantId });
  const contacts = Array.from({ length: options.contacts }, (_, i) => ({ phone: phoneFor(options.index ?? 0, i), name: `Reader ${i}` }));
  await importContacts(scoped, tenantId, contacts);
  const rows = await orm.em.fork().getConnection().execute<{ id: string }[]>('select id from contact where tenant_id = ? order by phone', [tenantId]);
  return { tenantId, templateId: template.id, contactIds: rows.map((row) => row.id) };
}
