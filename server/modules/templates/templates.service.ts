import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { findPage } from '../../db/keyset.ts';
import { AppError } from '../../shared/errors.ts';
import { checkTemplate } from './render.ts';
import { Template, type TemplateCategory, type TemplateStatus } from './template.entity.ts';

export interface NewTemplate {
  name: string;
  content: string;
  variables: string[];
  metaTemplateId: string | null;
  status: TemplateStatus;
  language: string;
  category: TemplateCategory;
}

const taken = (input: NewTemplate) =>
  new AppError('CONFLICT', `A template named "${input.name}" already exists in language ${input.language}`, {
    reason: 'TEMPLATE_EXISTS',
  });

/** An ADMIN registers a Meta-approved (or pending) template; one per tenant, name and language. */
export async function createTemplate(em: EntityManager, tenantId: string, input: NewTemplate) {
  const problem = checkTemplate(input.content, input.variables);
  if (problem) throw new AppError('BAD_REQUEST', problem, { reason: 'INVALID_TEMPLATE' });
  if (await em.count(Template, { tenantId, name: input.name, language: input.language })) throw taken(input);

  const template = em.create(Template, { id: randomUUID(), tenantId, ...input });
  try {
    await em.flush();
  } catch (error) {
    // Two creates raced past the check above; the unique constraint decides.
    if (error instanceof UniqueConstraintViolationException) throw taken(input);
    throw error;
  }
  return template;
}

export interface TemplatePageOptions {
  limit: number;
  cursor?: string | undefined;
  status?: TemplateStatus | undefined;
}

/** The caller's tenant's templates (the tenant filter scopes the query), oldest first. */
export function listTemplates(em: EntityManager, options: TemplatePageOptions) {
  return findPage(em, Template, options.status ? { status: options.status } : {}, options);
}
