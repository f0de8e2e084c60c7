import { z } from 'zod';
import { isoTimestamp } from '../../shared/schemas.ts';
import { text } from '../../shared/storable.ts';
import { parametersInput } from '../messages/message.schema.ts';
import { durationMs } from './durations.ts';
import { ESCALATION_CONDITIONS, type EscalationPolicy } from './escalation-policy.entity.ts';

export const afterInput = z
  .string()
  .max(64)
  .superRefine((value, context) => {
    const ms = durationMs(value);
    if (typeof ms === 'string') context.addIssue({ code: 'custom', message: ms });
  })
  .meta({ example: 'PT15M', description: 'ISO 8601 duration, PT1S to P30D, counted from the previous level (level 1: from the sending)' });

const levelInput = z.strictObject({
  after: afterInput,
  unless: z.enum(ESCALATION_CONDITIONS).meta({ example: 'READ' }),
  notify: z.strictObject({ contactId: z.uuid(), templateId: z.uuid(), parameters: parametersInput.optional() }),
});

export const policyInput = z.strictObject({
  name: text().trim().min(1).max(100).meta({ example: 'Unread reminder → nurse → manager' }),
  levels: z.array(levelInput).min(1).max(10),
});

const levelOutput = z.object({
  after: z.string(),
  unless: z.enum(ESCALATION_CONDITIONS),
  notify: z.object({ contactId: z.uuid(), templateId: z.uuid(), parameters: z.record(z.string(), z.string()) }),
});

export const policyOutput = z
  .object({ id: z.uuid(), name: z.string(), levels: z.array(levelOutput), createdAt: isoTimestamp })
  .meta({ id: 'EscalationPolicy' });

export const toPolicyOutput = (policy: EscalationPolicy): z.infer<typeof policyOutput> => ({
  id: policy.id,
  name: policy.name,
  levels: policy.levels.map((level) => ({
    after: level.after,
    unless: level.unless,
    notify: { contactId: level.notify.contactId, templateId: level.notify.templateId, parameters: level.notify.parameters ?? {} },
  })),
  createdAt: policy.createdAt.toISOString(),
});
