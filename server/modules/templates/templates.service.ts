import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { findPage } from '../../db/keyset.ts';
import { AppError } from '../../shared/errors.ts';
import { checkTemplate } from './render.ts';
import { Template, type TemplateCategory, type TemplateStatus } from './template.entity.ts';
import { lookUpOnMeta, submitToMeta, templateAccount, type MetaView, type TemplateMetaSettings } from './template-meta.service.ts';

export interface NewTemplate {
  name: string;
  content: string;
  variables: string[];
  metaTemplateId?: string | undefined;
  /** Stands only where Meta is not asked (sandbox mode, or no WABA in cloud mode). */
  status?: TemplateStatus | undefined;
  language: string;
  category: TemplateCategory;
  channelId?: string | undefined;
  /** Create the template on Meta for review instead of looking it up. */
  submit?: boolean | undefined;
}

const taken = (input: NewTemplate) =>
  new AppError('CONFLICT', `A template named "${input.name}" already exists in language ${input.language}`, {
    reason: 'TEMPLATE_EXISTS',
  });

/** What Meta says of the template when Meta is asked: submitted, or looked up (cloud mode with a WABA); else undefined. */
async function askMeta(em: EntityManager, settings: TemplateMetaSettings, input: NewTemplate) {
  const account = await templateAccount(em, settings, input.channelId);
  let meta: MetaView | undefined;
  if (input.submit) meta = await submitToMeta(settings, account, input);
  else if (settings.mode === 'cloud' && account.wabaId) meta = await lookUpOnMeta(settings, { ...account, wabaId: account.wabaId }, input);
  return { channelId: account.channelId, meta };
}

/**
 * An ADMIN registers a template; one per tenant, name and language. Where Meta is asked (submit, or a
 * look-up in cloud mode) its id and state are stored; elsewhere the caller's status stands.
 */
export async function createTemplate(em: EntityManager, settings: TemplateMetaSettings, tenantId: string, input: NewTemplate) {
  const problem = checkTemplate(input.content, input.variables);
  if (problem) throw new AppError('BAD_REQUEST', problem, { reason: 'INVALID_TEMPLATE' });
  if (await em.count(Template, { tenantId, name: input.name, language: input.language })) throw taken(input);

  const { channelId, meta } = await askMeta(em, settings, input);
  if (!meta && input.status === undefined) {
    throw new AppError('BAD_REQUEST', 'status is required unless the template is submitted to Meta ("submit": true)', { reason: 'STATUS_REQUIRED' });
  }
  const template = em.create(Template, {
    id: randomUUID(),
    tenantId,
    name: input.name,
    language: input.language,
    content: input.content,
    variables: input.variables,
    channelId,
    ...(meta
      ? {
          category: meta.category,
          status: meta.status,
          metaTemplateId: meta.metaTemplateId,
          quality: meta.quality,
          rejectedReason: meta.rejectedReason,
          wabaId: meta.wabaId,
          metaSyncedAt: new Date(),
        }
      : { category: input.category, status: input.status!, metaTemplateId: input.metaTemplateId ?? null, quality: 'UNKNOWN' as const, rejectedReason: null }),
  });
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
