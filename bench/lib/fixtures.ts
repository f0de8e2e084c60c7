// A tenant ready to send, made through Herald's own services (the API's code path, minus HTTP).
import { randomUUID } from 'node:crypto';
import type { Orm } from '../../server/db/orm.ts';
import { TENANT_FILTER } from '../../server/db/tenant-scope.ts';
import { postEntry } from '../../server/modules/billing/ledger.service.ts';
import { importContacts } from '../../server/modules/contacts/contacts.service.ts';
import { Template } from '../../server/modules/templates/template.entity.ts';
import { Tenant } from '../../server/modules/tenants/tenant.entity.ts';
import { units } from '../../server/shared/money.ts';
import { callJson } from '../../scripts/lib/http-json.ts';

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

/** An APPROVED template of the given channel: a template goes out only from its own WABA (template-channel.ts). */
export async function channelTemplate(apiUrl: string, token: string, channelId: string): Promise<string> {
  const template = await callJson(`${apiUrl}/templates`, 'POST', {
    name: 'bench_channel_message', content: 'Hello {{1}}', variables: ['name'], metaTemplateId: 'bench_channel', status: 'APPROVED', channelId,
  }, token);
  return template.id as string;
}

/** A tenant made through the running API, as a user would: sign-up, an APPROVED template, imported contacts. */
export async function tenantOverHttp(apiUrl: string, contacts: { phone: string; name: string }[]) {
  const slug = `bench-${randomUUID().slice(0, 8)}`;
  const registered = await callJson(`${apiUrl}/auth/register-tenant`, 'POST', {
    tenantName: 'Bench', slug, adminEmail: `${slug}@example.com`, adminPassword: 'bench-password', adminName: 'Bench',
  });
  const token: string = registered.token;
  const template = await callJson(`${apiUrl}/templates`, 'POST', {
    name: 'bench_message', content: 'Hello {{1}}', variables: ['name'], metaTemplateId: 'bench', status: 'APPROVED',
  }, token);
  await callJson(`${apiUrl}/contacts/import`, 'POST', { contacts }, token);
  const contactIds: string[] = [];
  for (let cursor: string | null = null; ; ) {
    const page: any = await callJson(`${apiUrl}/contacts?limit=100${cursor ? `&cursor=${cursor}` : ''}`, 'GET', undefined, token);
    contactIds.push(...page.items.map((item: { id: string }) => item.id));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { token, tenantId: registered.tenant.id as string, templateId: template.id as string, contactIds };
}
