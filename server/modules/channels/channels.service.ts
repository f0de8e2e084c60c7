import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { AppError } from '../../shared/errors.ts';
import { exchangeSignupCode, GraphRefusal, lookUpPhoneNumber, subscribeAppToWaba, type GraphLocation } from '../whatsapp/graph-account.ts';
import { Channel, DEFAULT_RATE_LIMIT_PER_SECOND, type ChannelStatus } from './channel.entity.ts';
import type { TokenBox } from './token-box.ts';

/** What the channel rules need from the process: the token box, and where Meta is. */
export interface ChannelSettings {
  box: TokenBox;
  /** Meta's Graph API: tokens are checked against it in cloud mode (undefined in sandbox mode: no check). */
  verifyAt: GraphLocation | undefined;
  /** Where Embedded Signup's calls go (Meta, or the sandbox), and the platform app; app undefined: refused. */
  signup: { location: GraphLocation; app: { appId: string; appSecret: string } | undefined };
}

export interface NewChannel {
  name: string;
  wabaId: string;
  phoneNumberId: string;
  accessToken: string;
  displayPhoneNumber?: string | undefined;
  isDefault?: boolean | undefined;
  rateLimitPerSecond?: number | undefined;
}

export interface ChannelChanges {
  name?: string | undefined;
  accessToken?: string | undefined;
  isDefault?: boolean | undefined;
  rateLimitPerSecond?: number | undefined;
  status?: ChannelStatus | undefined;
}

const metaRefused = (error: GraphRefusal, what: string) =>
  new AppError(
    'UNPROCESSABLE_CONTENT',
    `Meta refused ${what}: ${error.message}${error.code === undefined ? '' : ` (code ${error.code})`}`,
    { reason: 'META_REFUSED' },
  );

/** In cloud mode, proves the token reaches the number (Meta's `GET /{phone-number-id}`); gives its display number. */
async function checkWithMeta(settings: ChannelSettings, phoneNumberId: string, token: string) {
  if (!settings.verifyAt) return undefined;
  try {
    return await lookUpPhoneNumber(settings.verifyAt, phoneNumberId, token);
  } catch (error) {
    if (error instanceof GraphRefusal) throw metaRefused(error, 'the access token for this phone number');
    throw error;
  }
}

const numberTaken = (phoneNumberId: string) =>
  new AppError('CONFLICT', `Phone number id ${phoneNumberId} is already registered as a channel`, { reason: 'CHANNEL_EXISTS' });

/** Makes `channelId` the tenant's only default (the partial unique index allows one). */
async function takeDefault(tx: EntityManager, tenantId: string, channelId: string) {
  await tx.execute('update channel set is_default = false, updated_at = now() where tenant_id = ? and is_default and id <> ?', [tenantId, channelId], 'run');
}

/** Registers a number. The tenant's first channel becomes its default unless told otherwise. */
export async function createChannel(em: EntityManager, settings: ChannelSettings, tenantId: string, input: NewChannel) {
  if (await em.count(Channel, { phoneNumberId: input.phoneNumberId }, { filters: false })) throw numberTaken(input.phoneNumberId);
  const meta = await checkWithMeta(settings, input.phoneNumberId, input.accessToken);
  const id = randomUUID();
  const now = new Date();
  try {
    return await em.transactional(async (tx) => {
      const hasDefault = (await tx.count(Channel, { tenantId, isDefault: true })) > 0;
      const isDefault = input.isDefault ?? !hasDefault;
      if (isDefault) await takeDefault(tx, tenantId, id);
      const channel = tx.create(Channel, {
        id,
        tenantId,
        name: input.name,
        wabaId: input.wabaId,
        phoneNumberId: input.phoneNumberId,
        displayPhoneNumber: input.displayPhoneNumber ?? meta?.displayPhoneNumber ?? null,
        status: 'ACTIVE',
        isDefault,
        rateLimitPerSecond: input.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND,
        accessTokenSealed: settings.box.seal(input.accessToken, id),
        createdAt: now,
        updatedAt: now,
      });
      await tx.flush();
      return channel;
    });
  } catch (error) {
    // Two registrations of one number raced past the check: the unique constraint decides.
    if (error instanceof UniqueConstraintViolationException) throw numberTaken(input.phoneNumberId);
    throw error;
  }
}

/**
 * Embedded Signup: the code from the business's browser flow is exchanged for a business token with the
 * platform app's id and secret, the app is subscribed to the WABA's webhooks, and the number is registered.
 */
export async function createChannelFromSignup(
  em: EntityManager,
  settings: ChannelSettings,
  tenantId: string,
  input: { code: string; wabaId: string; phoneNumberId: string; name?: string | undefined },
) {
  const { app, location } = settings.signup;
  if (!app) {
    throw new AppError('UNPROCESSABLE_CONTENT', 'Embedded Signup needs the platform app: set META_APP_ID and META_APP_SECRET', {
      reason: 'EMBEDDED_SIGNUP_NOT_CONFIGURED',
    });
  }
  if (await em.count(Channel, { phoneNumberId: input.phoneNumberId }, { filters: false })) throw numberTaken(input.phoneNumberId);
  let token: string;
  let number: { displayPhoneNumber: string | undefined; verifiedName: string | undefined };
  try {
    token = await exchangeSignupCode(location, app, input.code);
    await subscribeAppToWaba(location, input.wabaId, token);
    number = await lookUpPhoneNumber(location, input.phoneNumberId, token);
  } catch (error) {
    if (error instanceof GraphRefusal) throw metaRefused(error, 'the Embedded Signup');
    throw error;
  }
  return createChannel(em, { ...settings, verifyAt: undefined }, tenantId, {
    name: input.name ?? number.verifiedName ?? number.displayPhoneNumber ?? `WhatsApp ${input.phoneNumberId}`,
    wabaId: input.wabaId,
    phoneNumberId: input.phoneNumberId,
    accessToken: token,
    displayPhoneNumber: number.displayPhoneNumber,
  });
}

/** One of the caller's tenant's channels (the tenant filter scopes it): another tenant's is a 404. */
export async function getChannel(em: EntityManager, id: string) {
  const channel = await em.findOne(Channel, { id });
  if (!channel) throw new AppError('NOT_FOUND', 'No such channel', { reason: 'CHANNEL_NOT_FOUND' });
  return channel;
}

export function listChannels(em: EntityManager, options: PageOptions & { status?: ChannelStatus | undefined }) {
  return findPage(em, Channel, options.status ? { status: options.status } : {}, options);
}

/** Changes what may change; the number and its WABA never do (register another channel instead). */
export async function updateChannel(em: EntityManager, settings: ChannelSettings, tenantId: string, id: string, changes: ChannelChanges) {
  const channel = await getChannel(em, id);
  if (changes.accessToken !== undefined) {
    await checkWithMeta(settings, channel.phoneNumberId, changes.accessToken);
    channel.accessTokenSealed = settings.box.seal(changes.accessToken, channel.id);
  }
  if (changes.name !== undefined) channel.name = changes.name;
  if (changes.rateLimitPerSecond !== undefined) channel.rateLimitPerSecond = changes.rateLimitPerSecond;
  if (changes.status !== undefined) channel.status = changes.status;
  if (changes.isDefault !== undefined) channel.isDefault = changes.isDefault;
  channel.updatedAt = new Date();
  await em.transactional(async (tx) => {
    if (changes.isDefault) await takeDefault(tx, tenantId, channel.id);
    tx.persist(channel);
    await tx.flush();
  });
  return channel;
}

/**
 * The channel a new message goes out on: the one asked for (the tenant's own, ACTIVE), else the tenant's
 * default, else none (the platform number). Another tenant's channel is a 422, as any unknown id in a body.
 */
export async function channelForSchedule(em: EntityManager, channelId: string | undefined): Promise<Channel | undefined> {
  const channel = channelId ? await em.findOne(Channel, { id: channelId }) : await em.findOne(Channel, { isDefault: true });
  return usableChannel(channelId, channel);
}

/** channelForSchedule's rule on a channel already read (an entity or a plain row): the one place it is decided. */
export function usableChannel<C extends Pick<Channel, 'name' | 'status'>>(channelId: string | undefined, channel: C | null | undefined): C | undefined {
  if (channelId && !channel) throw new AppError('UNPROCESSABLE_CONTENT', 'No such channel in this tenant', { reason: 'CHANNEL_NOT_FOUND' });
  if (channel?.status === 'DISABLED') {
    throw new AppError('UNPROCESSABLE_CONTENT', `Channel ${channel.name} is disabled`, { reason: 'CHANNEL_DISABLED' });
  }
  return channel ?? undefined;
}

/** The open token of the channel registered for a number, or undefined (the sandbox checks sends against it). */
export async function channelTokenOf(em: EntityManager, box: TokenBox, phoneNumberId: string): Promise<string | undefined> {
  const [row] = await em.execute<{ id: string; access_token_sealed: string }[]>(
    'select id, access_token_sealed from channel where phone_number_id = ?',
    [phoneNumberId],
  );
  return row ? box.open(row.access_token_sealed, row.id) : undefined;
}
