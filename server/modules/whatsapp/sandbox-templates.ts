// The sandbox's template side of Meta: a per-WABA registry behind `POST/GET /{waba-id}/message_templates`, the
// simulated review (a submitted template is approved after a delay), and controls to change a template's
// status, quality or category with or without the webhook Meta would send.
import { randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { metaError, metaPage, templateEnvelope, type SandboxTemplateChange } from './sandbox-format.ts';
import type { WebhookDispatcher } from './sandbox-webhooks.ts';
import type { SandboxAccess } from './sandbox-access.ts';
import { firstIssueText } from '../../shared/validation-reason.ts';

export interface SandboxTemplate {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  category: string;
  status: string;
  quality: string;
  /** NONE unless rejected. */
  rejectedReason: string;
  text: string;
}

export interface SandboxTemplateChanges {
  status?: string;
  /** With status REJECTED: why. */
  reason?: string;
  quality?: string;
  category?: string;
}

export interface SandboxTemplateControl {
  /** Makes a template known to Meta (as one made in Meta's own tools is); APPROVED unless told otherwise. */
  add(wabaId: string, template: { name: string; language?: string; category?: string; status?: string; quality?: string; text?: string }): SandboxTemplate;
  list(wabaId: string): SandboxTemplate[];
  /** Changes a template as Meta would; with `webhook: false` the webhook is "lost" (only the sync can notice). */
  change(wabaId: string, id: string, changes: SandboxTemplateChanges, options?: { webhook?: boolean }): SandboxTemplate;
  /** How long review takes before a submitted template is approved; undefined: never by itself. */
  setApprovalDelay(ms: number | undefined): void;
}

export interface SandboxTemplateOptions {
  /** Which tokens reach which WABA: the platform's its own, a signup's its WABA, a registered number's its WABA. */
  access: SandboxAccess;
  webhooks: WebhookDispatcher;
  approvalDelayMs: number | undefined;
}

/** Templates kept per process at most; the oldest are forgotten first. */
const MAX_TEMPLATES = 10_000;
const PAGE_SIZE = 25;
const BEARER = /^Bearer (\S+)$/;

const createSchema = z.looseObject({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'must be lowercase letters, digits and underscores'),
  language: z.string().regex(/^[a-z]{2,3}(?:_[A-Z0-9]{2})?$/),
  category: z.string().transform((value) => value.toUpperCase()).pipe(z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION'])),
  components: z.array(z.looseObject({ type: z.string(), text: z.string().optional(), example: z.looseObject({ body_text: z.array(z.array(z.string())).optional() }).optional() })).min(1),
});

/** Distinct {{n}} placeholders of a body: Meta wants one example value for each. */
const placeholdersIn = (text: string) => new Set(text.match(/\{\{\d+\}\}/g) ?? []).size;

export function registerSandboxTemplates(scope: FastifyInstance, options: SandboxTemplateOptions): SandboxTemplateControl {
  const templates = new Map<string, SandboxTemplate>();
  let approvalDelayMs = options.approvalDelayMs;

  const remember = (template: SandboxTemplate) => {
    templates.set(template.id, template);
    while (templates.size > MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
    return template;
  };
  // Meta's ids are digit strings; kept below 2^53 so a webhook's number form stays exact.
  const newId = () => `${randomInt(1, 9)}${String(randomInt(0, 100_000_000_000_000)).padStart(14, '0')}`;
  const inWaba = (wabaId: string) => [...templates.values()].filter((template) => template.wabaId === wabaId);
  const found = (wabaId: string, id: string) => {
    const template = templates.get(id);
    if (!template || template.wabaId !== wabaId) throw new Error(`the sandbox has no template ${id} under WABA ${wabaId}`);
    return template;
  };
  const about = (template: SandboxTemplate) => ({
    message_template_id: Number(template.id),
    message_template_name: template.name,
    message_template_language: template.language,
  });

  const change: SandboxTemplateControl['change'] = (wabaId, id, changes, { webhook = true } = {}) => {
    const template = found(wabaId, id);
    const posted: SandboxTemplateChange[] = [];
    if (changes.status !== undefined) {
      template.status = changes.status;
      template.rejectedReason = changes.status === 'REJECTED' ? (changes.reason ?? 'INVALID_FORMAT') : 'NONE';
      posted.push({ field: 'message_template_status_update', value: { event: changes.status, ...about(template), reason: template.rejectedReason } });
    }
    if (changes.quality !== undefined) {
      const previous = template.quality;
      template.quality = changes.quality;
      posted.push({ field: 'message_template_quality_update', value: { previous_quality_score: previous, new_quality_score: changes.quality, ...about(template) } });
    }
    if (changes.category !== undefined) {
      const previous = template.category;
      template.category = changes.category;
      posted.push({ field: 'template_category_update', value: { previous_category: previous, new_category: changes.category, ...about(template) } });
    }
    if (webhook && posted.length > 0) options.webhooks.schedule(0, () => templateEnvelope(wabaId, posted));
    return { ...template };
  };

  const authorized = async (request: FastifyRequest<{ Params: { wabaId: string } }>, reply: FastifyReply) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) return reply.code(401).send(metaError(190, 'Invalid OAuth access token', 'Cannot parse access token'));
    if (!(await options.access.reachesWaba(token, request.params.wabaId))) return options.access.refuse(reply, token, request.params.wabaId);
  };

  scope.post('/:version/:wabaId/message_templates', { onRequest: authorized, bodyLimit: 64 * 1024 }, async (request: FastifyRequest<{ Params: { wabaId: string } }>, reply) => {
    const parsed = createSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(metaError(100, 'Invalid parameter', firstIssueText(parsed.error, 'body', 'invalid request')));
    const { name, language, category, components } = parsed.data;
    const body = components.find((component) => component.type.toUpperCase() === 'BODY');
    if (!body?.text) return reply.code(400).send(metaError(100, 'Invalid parameter', 'components: a BODY component with text is required'));
    const wanted = placeholdersIn(body.text);
    if (wanted > 0 && body.example?.body_text?.[0]?.length !== wanted) {
      return reply.code(400).send(metaError(100, 'Invalid parameter', `components.BODY.example.body_text must give ${wanted} example value(s)`));
    }
    const { wabaId } = request.params;
    if (inWaba(wabaId).some((template) => template.name === name && template.language === language)) {
      return reply.code(400).send(metaError(100, 'Invalid parameter', `Content in ${language} for template ${name} already exists`));
    }
    const template = remember({ id: newId(), wabaId, name, language, category, status: 'PENDING', quality: 'UNKNOWN', rejectedReason: 'NONE', text: body.text });
    // The simulated review: approved after the delay, told by the same webhook Meta would send.
    if (approvalDelayMs !== undefined) {
      options.webhooks.schedule(approvalDelayMs, () => {
        if (template.status === 'PENDING') change(wabaId, template.id, { status: 'APPROVED' }, { webhook: false });
        // Whatever the template's status is by now (a control may have changed it first), the webhook tells it.
        return templateEnvelope(wabaId, [{ field: 'message_template_status_update', value: { event: template.status, ...about(template), reason: template.rejectedReason } }]);
      });
    }
    return reply.code(200).send({ id: template.id, status: template.status, category: template.category });
  });

  scope.get('/:version/:wabaId/message_templates', { onRequest: authorized }, async (request: FastifyRequest<{ Params: { wabaId: string } }>, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const name = typeof query.name === 'string' ? query.name : undefined;
    const matching = inWaba(request.params.wabaId).filter((template) => name === undefined || template.name.includes(name));
    return reply.code(200).send(
      metaPage(request, matching, PAGE_SIZE, (template) => ({
        id: template.id,
        name: template.name,
        language: template.language,
        status: template.status,
        category: template.category,
        quality_score: { score: template.quality, date: Math.floor(Date.now() / 1000) },
        rejected_reason: template.rejectedReason,
      })),
    );
  });

  return {
    add: (wabaId, template) =>
      remember({
        id: newId(),
        wabaId,
        name: template.name,
        language: template.language ?? 'en_US',
        category: template.category ?? 'UTILITY',
        status: template.status ?? 'APPROVED',
        quality: template.quality ?? 'GREEN',
        rejectedReason: 'NONE',
        text: template.text ?? 'Hello {{1}}',
      }),
    list: (wabaId) => inWaba(wabaId).map((template) => ({ ...template })),
    change,
    setApprovalDelay: (ms) => {
      approvalDelayMs = ms;
    },
  };
}
