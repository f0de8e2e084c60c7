import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { AppError } from '../../shared/errors.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { Template } from '../templates/template.entity.ts';
import { EscalationPolicy, type EscalationLevelSpec } from './escalation-policy.entity.ts';

/**
 * An ADMIN defines a policy. Every level's contact and template must be the tenant's own (422 naming the
 * level otherwise); whether the template is approved and the contact reachable is decided when a level
 * falls due, as for any message.
 */
export async function createPolicy(em: EntityManager, tenantId: string, input: { name: string; levels: EscalationLevelSpec[] }) {
  const contactIds = [...new Set(input.levels.map((level) => level.notify.contactId))];
  const templateIds = [...new Set(input.levels.map((level) => level.notify.templateId))];
  const contacts = new Set((await em.find(Contact, { id: { $in: contactIds } }, { fields: ['id'] })).map((contact) => contact.id));
  const templates = new Set((await em.find(Template, { id: { $in: templateIds } }, { fields: ['id'] })).map((template) => template.id));
  input.levels.forEach((level, index) => {
    if (!contacts.has(level.notify.contactId)) {
      throw new AppError('UNPROCESSABLE_CONTENT', `Level ${index + 1}: no such contact in this tenant`, { reason: 'CONTACT_NOT_FOUND' });
    }
    if (!templates.has(level.notify.templateId)) {
      throw new AppError('UNPROCESSABLE_CONTENT', `Level ${index + 1}: no such template in this tenant`, { reason: 'TEMPLATE_NOT_FOUND' });
    }
  });
  const policy = em.create(EscalationPolicy, { id: randomUUID(), tenantId, name: input.name, levels: input.levels, createdAt: new Date() });
  await em.flush();
  return policy;
}

export async function getPolicy(em: EntityManager, id: string) {
  const policy = await em.findOne(EscalationPolicy, { id });
  if (!policy) throw new AppError('NOT_FOUND', 'No such escalation policy', { reason: 'ESCALATION_POLICY_NOT_FOUND' });
  return policy;
}

export function listPolicies(em: EntityManager, options: PageOptions) {
  return findPage(em, EscalationPolicy, {}, options);
}
