import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../../shared/schemas.ts';
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
  // precheck off

  const template = em.create(Template, { id: randomUUID(), tenantId, ...input });
  try {
    await em.flush();
  } catch (error) {
    // Two creates raced past the check above; the unique constraint decides.
    
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
export async function listTemplates(em: EntityManager, options: TemplatePageOptions) {
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  if (options.cursor && !after) throw new AppError('BAD_REQUEST', 'Invalid cursor', { reason: 'INVALID_CURSOR' });
  const rows = await em.find(
    Template,
    {
      ...(options.status ? { status: options.status } : {}),
      ...(after
        ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, id: { $gt: after.id } }] }
        : {}),
    },
    { orderBy: { createdAt: 'asc', id: 'asc' }, limit: options.limit + 1 },
  );
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
