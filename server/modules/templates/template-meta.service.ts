// Where a template lives on Meta (its channel's WABA, or the platform's) and what Meta says of it at creation.
import type { EntityManager } from '@mikro-orm/core';
import type { Config } from '../../config.ts';
import { AppError, channelNotInTenant } from '../../shared/errors.ts';
import { Channel } from '../channels/channel.entity.ts';
import type { TokenBox } from '../channels/token-box.ts';
import type { GraphLocation } from '../whatsapp/graph-account.ts';
import { GraphRefusal } from '../whatsapp/graph-account.ts';
import { listTemplates, submitTemplate } from '../whatsapp/graph-templates.ts';
import { SANDBOX_WABA_ID } from '../whatsapp/sandbox-format.ts';
import { whatsappSettings } from '../whatsapp/sandbox-token.ts';
import { categoryFromMeta, exampleValue, qualityFromMeta, rejectedReasonFor, statusFromMeta } from './meta-state.ts';
import type { TemplateCategory, TemplateQuality, TemplateStatus } from './template.entity.ts';

export interface TemplateMetaSettings {
  mode: 'cloud' | 'sandbox';
  /** Meta's Graph API, or the sandbox's. */
  location: GraphLocation;
  box: TokenBox;
  /** The platform number's WABA: WHATSAPP_WABA_ID; in sandbox mode the simulator's when unset. */
  platformWabaId: string | undefined;
  platformToken(): Promise<string>;
}

export const templateMetaSettings = (config: Config, box: TokenBox): TemplateMetaSettings => ({
  mode: config.whatsappMode,
  // config.whatsapp itself, not a copy: it is where Graph calls go (tests point it at their stand-in).
  location: config.whatsapp,
  box,
  platformWabaId: config.WHATSAPP_WABA_ID ?? (config.whatsappMode === 'sandbox' ? SANDBOX_WABA_ID : undefined),
  platformToken: async () => (await whatsappSettings(config)).accessToken,
});

/** The account a template is registered under: its channel (null: the platform number), WABA and token. */
export interface TemplateAccount {
  channelId: string | null;
  wabaId: string | undefined;
  token(): Promise<string>;
}

/** The channel named (the tenant's own, else 422), else the tenant's default channel, else the platform number. */
export async function templateAccount(em: EntityManager, settings: TemplateMetaSettings, channelId: string | undefined): Promise<TemplateAccount> {
  const channel = channelId ? await em.findOne(Channel, { id: channelId }) : await em.findOne(Channel, { isDefault: true });
  if (channelId && !channel) throw channelNotInTenant();
  if (!channel) return { channelId: null, wabaId: settings.platformWabaId, token: settings.platformToken };
  return { channelId: channel.id, wabaId: channel.wabaId, token: () => openChannelToken(em, settings.box, channel.id) };
}

async function openChannelToken(em: EntityManager, box: TokenBox, channelId: string): Promise<string> {
  const [row] = await em.getConnection().execute<{ access_token_sealed: string }[]>('select access_token_sealed from channel where id = ?', [channelId]);
  if (!row) throw new Error(`channel ${channelId} vanished`);
  return box.open(row.access_token_sealed, channelId);
}

/** What Meta says of a template: its id under the WABA, and its state. */
export interface MetaView {
  wabaId: string;
  metaTemplateId: string;
  status: TemplateStatus;
  category: TemplateCategory;
  quality: TemplateQuality;
  rejectedReason: string | null;
}

const refused = (error: GraphRefusal, what: string) =>
  new AppError('UNPROCESSABLE_CONTENT', `Meta refused ${what}: ${error.message}${error.code === undefined ? '' : ` (code ${error.code})`}`, {
    reason: 'META_REFUSED',
  });

export interface TemplateDraft {
  name: string;
  language: string;
  category: TemplateCategory;
  content: string;
  variables: string[];
}

/** Creates the template on Meta (status PENDING until Meta's review answers, by webhook or sync). */
export async function submitToMeta(settings: TemplateMetaSettings, account: TemplateAccount, draft: TemplateDraft): Promise<MetaView> {
  const wabaId = account.wabaId;
  if (!wabaId) {
    throw new AppError('UNPROCESSABLE_CONTENT', 'Submitting needs a WhatsApp Business Account: register a channel, or set WHATSAPP_WABA_ID', {
      reason: 'NO_WABA',
    });
  }
  try {
    const answer = await submitTemplate(settings.location, wabaId, await account.token(), {
      name: draft.name,
      language: draft.language,
      category: draft.category,
      text: draft.content,
      examples: draft.variables.map(exampleValue),
    });
    const status = statusFromMeta(answer.status) ?? 'PENDING';
    return {
      wabaId,
      metaTemplateId: answer.id,
      status,
      category: categoryFromMeta(answer.category) ?? draft.category,
      quality: 'UNKNOWN',
      rejectedReason: rejectedReasonFor(status, undefined),
    };
  } catch (error) {
    if (error instanceof GraphRefusal) throw refused(error, 'the template');
    throw error;
  }
}

/** Finds the template on Meta by name and language; one Meta does not know is a 422. */
export async function lookUpOnMeta(settings: TemplateMetaSettings, account: TemplateAccount & { wabaId: string }, draft: TemplateDraft): Promise<MetaView> {
  let found;
  try {
    const listing = await listTemplates(settings.location, account.wabaId, await account.token(), { name: draft.name });
    found = listing.templates.find((template) => template.name === draft.name && template.language === draft.language);
  } catch (error) {
    if (error instanceof GraphRefusal) throw refused(error, 'the template look-up');
    throw error;
  }
  if (!found) {
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      `Meta has no template "${draft.name}" in ${draft.language} under WhatsApp Business Account ${account.wabaId}: submit it with "submit": true`,
      { reason: 'TEMPLATE_NOT_ON_META' },
    );
  }
  const status = statusFromMeta(found.status) ?? 'PENDING';
  return {
    wabaId: account.wabaId,
    metaTemplateId: found.id,
    status,
    category: categoryFromMeta(found.category) ?? draft.category,
    quality: qualityFromMeta(found.quality) ?? 'UNKNOWN',
    rejectedReason: rejectedReasonFor(status, found.rejectedReason),
  };
}
