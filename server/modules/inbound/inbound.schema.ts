import { z } from 'zod';
import { isoTimestamp } from '../../shared/schemas.ts';
import { text } from '../../shared/storable.ts';
import type { InboundMessage } from './inbound-message.entity.ts';

/** An inbound message as the API shows it. */
export const inboundMessageOutput = z
  .object({
    id: z.uuid(),
    channelId: z.uuid().nullable().meta({ description: 'null: written to the platform number' }),
    contactId: z.uuid().nullable().meta({ description: 'null: no contact of the tenant has this phone' }),
    from: z.string().meta({ description: "The writer's number, digits with country code", example: '15551234567' }),
    type: z.string().meta({ description: "Meta's message type: text, image, button, …", example: 'text' }),
    text: z.string().nullable().meta({ description: 'The body of a text message; null for other types' }),
    receivedAt: isoTimestamp.meta({ description: "Meta's timestamp: when the contact sent it" }),
  })
  .meta({ id: 'InboundMessage' });

export const toInboundMessageOutput = (message: InboundMessage): z.infer<typeof inboundMessageOutput> => ({
  id: message.id,
  channelId: message.channelId ?? null,
  contactId: message.contactId ?? null,
  from: message.fromNumber,
  type: message.type,
  text: message.text ?? null,
  receivedAt: message.receivedAt.toISOString(),
});

/** What `POST /sandbox/inbound` takes: a contact writing to a channel's number (or the platform number). */
export const sandboxInboundInput = z.strictObject({
  channelId: z.uuid().optional().meta({ description: "The tenant's channel written to; absent: the platform number" }),
  from: z
    .string()
    .regex(/^\+?\d{7,15}$/, 'must be a phone number with country code, digits only (a leading + is allowed)')
    .meta({ example: '+15551234567' }),
  text: text().min(1).max(4096).meta({ example: 'Yes, see you then' }),
});

export const sandboxInboundOutput = z
  .object({
    id: z.string().meta({ description: 'The Meta message id of the simulated message (its webhook follows at once)' }),
    phoneNumberId: z.string().meta({ description: 'The business number written to' }),
  })
  .meta({ id: 'SandboxInbound' });
