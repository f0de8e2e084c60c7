// Graph API calls about message templates: creating one under a WABA, and listing a WABA's templates.
import { graphCall, GraphRefusal, type GraphLocation } from './graph-account.ts';

/** A template as Meta lists it; values are Meta's own words (the templates module maps them). */
export interface MetaTemplate {
  id: string;
  name: string;
  language: string;
  status: string | undefined;
  category: string | undefined;
  /** quality_score.score: GREEN, YELLOW, RED or UNKNOWN. */
  quality: string | undefined;
  /** rejected_reason: NONE when the template is not rejected. */
  rejectedReason: string | undefined;
}

export interface TemplateSubmission {
  name: string;
  language: string;
  category: string;
  /** The body with its {{n}} placeholders. */
  text: string;
  /** One example value per placeholder, {{1}} first (Meta's reviewers read them). */
  examples: string[];
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const asString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
/** Meta's ids come as strings in Graph answers and as numbers in webhooks; either way they are kept as digits. */
export const metaIdOf = (value: unknown): string | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : typeof value === 'string' && /^\d{1,64}$/.test(value) ? value : undefined;

export const TEMPLATE_FIELDS = 'id,name,language,status,category,quality_score,rejected_reason';
/** Pages read per listing at most (Meta answers up to `limit` templates per page). */
const MAX_PAGES = 50;
const PAGE_SIZE = '100';

function readTemplate(raw: unknown): MetaTemplate | undefined {
  const item = asObject(raw);
  const id = metaIdOf(item?.id);
  const name = asString(item?.name);
  const language = asString(item?.language);
  if (!item || !id || !name || !language) return undefined;
  return {
    id,
    name,
    language,
    status: asString(item.status),
    category: asString(item.category),
    quality: asString(asObject(item.quality_score)?.score),
    rejectedReason: asString(item.rejected_reason),
  };
}

/** `POST /{waba-id}/message_templates`: Meta stores the template for review and answers its id. */
export async function submitTemplate(location: GraphLocation, wabaId: string, token: string, template: TemplateSubmission) {
  const body: Json = { type: 'BODY', text: template.text };
  if (template.examples.length > 0) body.example = { body_text: [template.examples] };
  const answer = await graphCall(location, 'POST', `/${encodeURIComponent(wabaId)}/message_templates`, {
    token,
    body: { name: template.name, language: template.language, category: template.category, components: [body] },
  });
  const id = metaIdOf(answer.id);
  if (!id) throw new GraphRefusal('Meta returned no template id', undefined, 200);
  return { id, status: asString(answer.status), category: asString(answer.category) };
}

/**
 * `GET /{waba-id}/message_templates`, following Meta's pages; `name` narrows the listing. `complete` is false
 * when pages were left unread, so a caller does not take a missing template as gone.
 */
export async function listTemplates(
  location: GraphLocation,
  wabaId: string,
  token: string,
  filter: { name?: string } = {},
): Promise<{ templates: MetaTemplate[]; complete: boolean }> {
  const templates: MetaTemplate[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: Record<string, string> = { fields: TEMPLATE_FIELDS, limit: PAGE_SIZE };
    if (filter.name) query.name = filter.name;
    if (after) query.after = after;
    const answer = await graphCall(location, 'GET', `/${encodeURIComponent(wabaId)}/message_templates`, { token, query });
    for (const raw of Array.isArray(answer.data) ? answer.data : []) {
      const template = readTemplate(raw);
      if (template) templates.push(template);
    }
    const paging = asObject(answer.paging);
    after = asString(asObject(paging?.cursors)?.after);
    if (!asString(paging?.next) || !after) return { templates, complete: true };
  }
  return { templates, complete: false };
}
