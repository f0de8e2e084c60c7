import { z } from 'zod';
import { isoTimestamp, jsonInteger } from '../../shared/schemas.ts';
import { text } from '../../shared/storable.ts';
import { CHANNEL_STATUSES, type Channel } from './channel.entity.ts';

// Meta's ids are digit strings; a token is opaque but bounded (Meta's are a few hundred characters).
const metaId = (example: string) => z.string().regex(/^\d{1,64}$/, 'must be Meta\'s numeric id (digits only)').meta({ example });
export const channelNameInput = text().trim().min(1).max(100);
export const wabaIdInput = metaId('102290129340398');
export const phoneNumberIdInput = metaId('106540352242922');
export const accessTokenInput = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(2048)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .meta({ description: 'Write-only: stored encrypted, never returned' });
export const displayPhoneNumberInput = z
  .string()
  .regex(/^\+?[0-9][0-9 ().-]{3,30}$/, 'must be a phone number such as +1 555 078 3881')
  .meta({ example: '+1 555 078 3881' });
export const rateLimitInput = jsonInteger(1, 1000).meta({ example: 80 });
export const channelStatusInput = z.enum(CHANNEL_STATUSES);

/** A channel as the API shows it: never its token. */
export const channelOutput = z
  .object({
    id: z.uuid(),
    name: z.string(),
    wabaId: z.string(),
    phoneNumberId: z.string(),
    displayPhoneNumber: z.string().nullable(),
    status: z.enum(CHANNEL_STATUSES),
    isDefault: z.boolean(),
    rateLimitPerSecond: z.number().int(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'Channel' });

export const toChannelOutput = (channel: Channel): z.infer<typeof channelOutput> => ({
  id: channel.id,
  name: channel.name,
  wabaId: channel.wabaId,
  phoneNumberId: channel.phoneNumberId,
  displayPhoneNumber: channel.displayPhoneNumber ?? null,
  status: channel.status,
  isDefault: channel.isDefault,
  rateLimitPerSecond: channel.rateLimitPerSecond,
  createdAt: channel.createdAt.toISOString(),
});
