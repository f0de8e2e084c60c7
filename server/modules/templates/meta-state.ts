// Meta's words for a template's state, mapped onto Herald's: pure functions shared by look-ups, webhooks and the sync.
import {
  TEMPLATE_CATEGORIES,
  TEMPLATE_QUALITIES,
  type TemplateCategory,
  type TemplateQuality,
  type TemplateStatus,
} from './template.entity.ts';

/**
 * Meta has more statuses than Herald keeps: an appeal is still pending, and anything on its way out (deleted,
 * archived, over the limit) can no longer be sent, so it counts as DISABLED. REINSTATED is Meta's "approved again".
 */
const STATUS_FROM_META: Readonly<Record<string, TemplateStatus>> = {
  APPROVED: 'APPROVED',
  REINSTATED: 'APPROVED',
  PENDING: 'PENDING',
  IN_APPEAL: 'PENDING',
  REJECTED: 'REJECTED',
  PAUSED: 'PAUSED',
  DISABLED: 'DISABLED',
  PENDING_DELETION: 'DISABLED',
  DELETED: 'DISABLED',
  ARCHIVED: 'DISABLED',
  LIMIT_EXCEEDED: 'DISABLED',
};

/** Herald's status for Meta's, or undefined for words that do not change it (FLAGGED is a quality warning). */
export const statusFromMeta = (value: string | undefined): TemplateStatus | undefined =>
  value === undefined ? undefined : STATUS_FROM_META[value.toUpperCase()];

export const qualityFromMeta = (value: string | undefined): TemplateQuality | undefined => {
  const upper = value?.toUpperCase();
  return (TEMPLATE_QUALITIES as readonly string[]).includes(upper ?? '') ? (upper as TemplateQuality) : undefined;
};

export const categoryFromMeta = (value: string | undefined): TemplateCategory | undefined => {
  const upper = value?.toUpperCase();
  return (TEMPLATE_CATEGORIES as readonly string[]).includes(upper ?? '') ? (upper as TemplateCategory) : undefined;
};

/** The rejection reason shown: Meta's reason for a REJECTED template ("NONE" means none), null otherwise. */
export function rejectedReasonFor(status: TemplateStatus, reason: string | undefined): string | null {
  if (status !== 'REJECTED') return null;
  const text = reason?.trim().slice(0, 256);
  return text && text.toUpperCase() !== 'NONE' ? text : 'UNKNOWN';
}

/** One example value per variable, for Meta's reviewers: a readable stand-in for the contact field it names. */
export function exampleValue(variable: string): string {
  if (variable === 'name') return 'Alex';
  if (variable === 'phone') return '+15550100000';
  return `${variable.slice('attributes.'.length).replaceAll(/[_-]+/g, ' ')} example`;
}
