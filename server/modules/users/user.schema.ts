import { z } from 'zod';
import { storable, text } from '../../shared/storable.ts';
import { isoTimestamp } from '../../shared/schemas.ts';
import { ROLES, type User } from './user.entity.ts';

/** A user as the API shows it: never the password hash. */
export const userOutput = z
  .object({
    id: z.uuid(),
    tenantId: z.uuid().nullable(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'User' });

export const toUserOutput = (user: User): z.infer<typeof userOutput> => ({
  id: user.id,
  tenantId: user.tenantId ?? null,
  email: user.email,
  name: user.name,
  role: user.role,
  createdAt: user.createdAt.toISOString(),
});

// RFC 5321's limits: 64 characters before the @, 254 in all (what `format: email` validators check too).
export const emailInput = storable(z.email('must be an e-mail address').max(254))
  .refine((email) => email.lastIndexOf('@') <= 64, 'must have at most 64 characters before the @')
  .transform((email) => email.trim().toLowerCase());
export const passwordInput = z.string().min(8, 'must be at least 8 characters').max(256);
export const personNameInput = text().trim().min(1).max(200);
