import { AppError } from '../../shared/errors.ts';
import type { Contact } from '../contacts/contact.entity.ts';
import { renderTemplate } from '../templates/render.ts';
import type { Template } from '../templates/template.entity.ts';

/** What the rule reads of a template and a contact: entities, or plain rows from a raw query. */
export type SendableTemplate = Pick<Template, 'status' | 'category' | 'content' | 'variables'>;
export type SendableContact = Pick<Contact, 'phone' | 'name' | 'attributes' | 'optedOut' | 'marketingOptedOut'>;

/**
 * Whether a template may go to a contact now: the template APPROVED, the contact opted in (to marketing too,
 * for a MARKETING template), and every variable filled. Scheduling and escalation levels share this rule.
 */
export function refuseUnsendable<T extends SendableTemplate>(
  template: T | null | undefined,
  contact: SendableContact | null | undefined,
  parameters: Record<string, string>,
): asserts template is T {
  if (!template) throw new AppError('UNPROCESSABLE_CONTENT', 'No such template in this tenant', { reason: 'TEMPLATE_NOT_FOUND' });
  if (template.status !== 'APPROVED') {
    throw new AppError('UNPROCESSABLE_CONTENT', `The template is ${template.status}, not APPROVED`, { reason: 'TEMPLATE_NOT_APPROVED' });
  }
  if (!contact) throw new AppError('UNPROCESSABLE_CONTENT', 'No such contact in this tenant', { reason: 'CONTACT_NOT_FOUND' });
  if (contact.optedOut) throw new AppError('UNPROCESSABLE_CONTENT', 'The contact has opted out', { reason: 'CONTACT_OPTED_OUT' });
  if (contact.marketingOptedOut && template.category === 'MARKETING') {
    throw new AppError('UNPROCESSABLE_CONTENT', 'The contact has stopped marketing messages', { reason: 'CONTACT_OPTED_OUT' });
  }
  const rendered = renderTemplate(template, contact, parameters);
  if (!rendered.ok) {
    throw new AppError('BAD_REQUEST', `No value for template variable(s) ${rendered.missing.join(', ')}: add them to parameters`, {
      reason: 'MISSING_PARAMETERS',
    });
  }
}
