import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import { contactSearch } from '../contacts/contact-search.ts';
import type { Template } from '../templates/template.entity.ts';
import { MAX_AUDIENCE, type CreateCampaignInput } from './campaign.schema.ts';

// The audience, fixed at creation in one INSERT … SELECT: no per-contact round trip, whatever its size.
// Who is excluded follows the rule of a single message (sendable.ts): opted out (of marketing too, for a
// MARKETING template) first, then a template variable that neither the parameters nor the contact fills.

export interface AudienceCount {
  recipients: number;
  optedOut: number;
  invalid: number;
}

type Sql = { text: string; params: unknown[] };

const present = (value: string | undefined) => value !== undefined && value.trim() !== '';
// JavaScript's trim() and this class agree on what is blank (renderTemplate's rule).
const HAS_TEXT = "~ '[^[:space:]]'";

/** True for a contact that lacks a value for one of the variables the parameters leave open. */
function missingVariable(template: Template, parameters: Record<string, string>): Sql {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const variable of template.variables) {
    if (present(parameters[variable]) || variable === 'phone') continue;
    if (variable === 'name') {
      parts.push(`coalesce(c.name, '') !${HAS_TEXT}`);
    } else {
      const key = variable.slice('attributes.'.length);
      parts.push(`not (coalesce(jsonb_typeof(c.attributes -> ?), '') in ('string', 'number', 'boolean') and coalesce(c.attributes ->> ?, '') ${HAS_TEXT})`);
      params.push(key, key);
    }
  }
  return { text: parts.length > 0 ? parts.join(' or ') : 'false', params };
}

/** Which of the tenant's contacts: the ids given, or those matching the filter (GET /contacts' search). */
function audienceCondition(audience: CreateCampaignInput['audience']): Sql {
  if ('contactIds' in audience) return { text: 'c.id = any(?::uuid[])', params: [`{${[...new Set(audience.contactIds)].join(',')}}`] };
  const parts: string[] = [];
  const params: unknown[] = [];
  const matching = contactSearch(audience.filter.search);
  if (matching) {
    parts.push(matching.sql('c'));
    params.push(...matching.params);
  }
  if (audience.filter.attributes && Object.keys(audience.filter.attributes).length > 0) {
    parts.push('c.attributes @> ?::jsonb');
    params.push(JSON.stringify(audience.filter.attributes));
  }
  return { text: parts.length > 0 ? parts.join(' and ') : 'true', params };
}

const tooLarge = () =>
  new AppError('UNPROCESSABLE_CONTENT', `The audience has more than ${MAX_AUDIENCE} contacts; a campaign takes at most ${MAX_AUDIENCE}`, {
    reason: 'AUDIENCE_TOO_LARGE',
  });

/**
 * Refuses a filter that matches more than 100,000 contacts before anything is written: it counts no further
 * than one past the cap, and writes nothing. (A list of contactIds is capped by its schema.)
 */
async function refuseTooLarge(tx: EntityManager, tenantId: string, where: Sql) {
  const [row] = await tx.execute<{ matched: number }[]>(
    `select count(*)::int as matched from (select 1 from contact c where c.tenant_id = ? and ${where.text} limit ?) matches`,
    [tenantId, ...where.params, MAX_AUDIENCE + 1],
  );
  if ((row?.matched ?? 0) > MAX_AUDIENCE) throw tooLarge();
}

/**
 * Writes the campaign's numbered recipients and counts the excluded, in one statement. `tx` is the
 * transaction that has just inserted the campaign row. An audience over 100,000 contacts is a 422, refused
 * before the statement; contacts added meanwhile cannot make it write more than one past the cap.
 */
export async function writeAudience(
  tx: EntityManager,
  campaign: { id: string; tenantId: string },
  template: Template,
  parameters: Record<string, string>,
  audience: CreateCampaignInput['audience'],
): Promise<AudienceCount> {
  const missing = missingVariable(template, parameters);
  const where = audienceCondition(audience);
  if ('filter' in audience) await refuseTooLarge(tx, campaign.tenantId, where);
  const [row] = await tx.execute<{ total: number; opted_out: number; invalid: number; recipients: number }[]>(
    `with audience as (
       select c.id, (c.opted_out or (c.marketing_opted_out and ?)) as opted_out, (${missing.text}) as invalid
       from contact c where c.tenant_id = ? and ${where.text} limit ?
     ), recipients as (
       insert into campaign_recipient (campaign_id, seq, contact_id)
       select ?, row_number() over (order by id), id from audience
       where not opted_out and not invalid and (select count(*) from audience) <= ?
       returning 1
     )
     select count(*)::int as total, (count(*) filter (where opted_out))::int as opted_out,
       (count(*) filter (where invalid and not opted_out))::int as invalid, (select count(*)::int from recipients) as recipients
     from audience`,
    [template.category === 'MARKETING', ...missing.params, campaign.tenantId, ...where.params, MAX_AUDIENCE + 1, campaign.id, MAX_AUDIENCE],
  );
  const total = row?.total ?? 0;
  if (total > MAX_AUDIENCE) throw tooLarge();
  // Ids that are no contact of this tenant cannot be sent to: counted with the invalid.
  const unknown = 'contactIds' in audience ? new Set(audience.contactIds).size - total : 0;
  return { recipients: row?.recipients ?? 0, optedOut: row?.opted_out ?? 0, invalid: (row?.invalid ?? 0) + unknown };
}
