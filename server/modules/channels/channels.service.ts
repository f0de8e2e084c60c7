import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findPage, type PageOptions } from '../../db/keyset.ts';
import { AppError, channelNotInTenant } from '../../shared/errors.ts';
import {
  exchangeSignupCode,
  findNumberInWaba,
  GraphRefusal,
  lookUpPhoneNumber,
  subscribeAppToWaba,
  type GraphLocation,
  type WabaNumber,
} from '../whatsapp/graph-account.ts';
import { Channel, DEFAULT_RATE_LIMIT_PER_SECOND, type ChannelStatus } from './channel.entity.ts';
import type { TokenBox } from './token-box.ts';

/** The sandbox's Embedded Signup codes as this module needs them (a port: the simulator lives in whatsapp/sandbox-*). */
export interface SignupCodeIssuer {
  /** A fresh single-use code for this WABA and number, redeemable once at the simulator's code exchange. */
  issue(number: { wabaId: string; phoneNumberId: string }): string;
  /** The code's grant, once, within its lifetime: a fresh token bound to that number and WABA. */
  redeem(code: string): Promise<{ accessToken: string; wabaId: string; phoneNumberId: string } | undefined>;
}

/** What the channel rules need from the process: the token box, where Meta is, and the platform number. */
export interface ChannelSettings {
  box: TokenBox;
  /** Meta's Graph API: tokens are checked against it in cloud mode (undefined in sandbox mode: no check). */
  verifyAt: GraphLocation | undefined;
  /**
   * Where Embedded Signup's calls go (Meta, or the sandbox), and the platform app; app undefined: refused. In
   * sandbox mode `sandboxCodes` issues the code this route exchanges, so only a signed-in ADMIN's signup gets one.
   */
  signup: { location: GraphLocation; app: { appId: string; appSecret: string } | undefined; sandboxCodes?: SignupCodeIssuer | undefined };
  /** WHATSAPP_PHONE_NUMBER_ID, the shared number no tenant may register, and its WABA (WHATSAPP_WABA_ID; the simulator's). */
  platform: { phoneNumberId: string; wabaId: string | undefined };
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

const refusalText = (error: GraphRefusal) => `${error.message}${error.code === undefined ? '' : ` (code ${error.code})`}`;

const metaRefused = (error: GraphRefusal, what: string) =>
  new AppError('UNPROCESSABLE_CONTENT', `Meta refused ${what}: ${refusalText(error)}`, { reason: 'META_REFUSED' });

/** A Graph call whose refusal is the caller's 422 META_REFUSED, naming what Meta refused. */
async function askMeta<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof GraphRefusal) throw metaRefused(error, what);
    throw error;
  }
}

const notInWaba = (input: { wabaId: string; phoneNumberId: string }, why: string) =>
  new AppError('UNPROCESSABLE_CONTENT', `Phone number id ${input.phoneNumberId} is not a number of WhatsApp Business Account ${input.wabaId}: ${why}`, {
    reason: 'NUMBER_NOT_IN_WABA',
  });

/** Meta's answers that mean "this token does not reach that WABA": no such object, or no permission on it. */
const WABA_OUT_OF_REACH = (code: number | undefined) => code === 100 || code === 10 || (code !== undefined && code >= 200 && code < 300);

/** The number as the WABA lists it (`GET /{waba-id}/phone_numbers` with the token), else NUMBER_NOT_IN_WABA. */
async function numberOfWaba(location: GraphLocation, input: { wabaId: string; phoneNumberId: string }, token: string, what: string) {
  let found: WabaNumber | undefined;
  try {
    found = await findNumberInWaba(location, input.wabaId, input.phoneNumberId, token);
  } catch (error) {
    if (error instanceof GraphRefusal && WABA_OUT_OF_REACH(error.code)) throw notInWaba(input, `Meta answered ${refusalText(error)}`);
    if (error instanceof GraphRefusal) throw metaRefused(error, what);
    throw error;
  }
  if (!found) throw notInWaba(input, 'the WABA does not list it');
  return found;
}

/**
 * In cloud mode, proves the token reaches the number (Meta's `GET /{phone-number-id}`) and that the number is one
 * of the WABA's (`GET /{waba-id}/phone_numbers`); gives its display number.
 */
async function checkWithMeta(settings: ChannelSettings, input: { wabaId: string; phoneNumberId: string }, token: string) {
  const location = settings.verifyAt;
  if (!location) return undefined;
  await askMeta('the access token for this phone number', () => lookUpPhoneNumber(location, input.phoneNumberId, token));
  return numberOfWaba(location, input, token, 'the access token for this WABA');
}

const numberTaken = (phoneNumberId: string, why = 'is already registered as a channel') =>
  new AppError('CONFLICT', `Phone number id ${phoneNumberId} ${why}`, { reason: 'CHANNEL_EXISTS' });

/** The platform number is every tenant's sender: never one tenant's channel (and it is no secret, so 409 at once). */
function refusePlatformNumber(settings: ChannelSettings, phoneNumberId: string) {
  if (phoneNumberId === settings.platform.phoneNumberId) throw numberTaken(phoneNumberId, "is the platform's shared number");
}

/** Only after the caller proved it owns the number (cloud mode), so a 409 tells nobody else which numbers are registered. */
async function refuseTakenNumber(em: EntityManager, phoneNumberId: string) {
  if (await em.count(Channel, { phoneNumberId }, { filters: false })) throw numberTaken(phoneNumberId);
}

/** Makes `channelId` the tenant's only default (the partial unique index allows one). */
async function takeDefault(tx: EntityManager, tenantId: string, channelId: string) {
  await tx.execute('update channel set is_default = false, updated_at = now() where tenant_id = ? and is_default and id <> ?', [tenantId, channelId], 'run');
}

/**
 * Registers a number: not the platform's (409); in cloud mode the token must reach it and it must be the WABA's
 * (422); then not registered by anyone yet (409). The tenant's first channel becomes its default unless told otherwise.
 */
export async function createChannel(em: EntityManager, settings: ChannelSettings, tenantId: string, input: NewChannel) {
  refusePlatformNumber(settings, input.phoneNumberId);
  const meta = await checkWithMeta(settings, input, input.accessToken);
  await refuseTakenNumber(em, input.phoneNumberId);
  return storeChannel(em, settings, tenantId, { ...input, displayPhoneNumber: input.displayPhoneNumber ?? meta?.displayPhoneNumber });
}

async function storeChannel(em: EntityManager, settings: ChannelSettings, tenantId: string, input: NewChannel) {
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
        displayPhoneNumber: input.displayPhoneNumber ?? null,
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
 * platform app's id and secret, the number must be one of the WABA's (as that token sees it), then the app is
 * subscribed to the WABA's webhooks and the number is registered. In sandbox mode the code is issued here, for
 * this WABA and number, so the simulator's exchange answers no code but a signed-in ADMIN's.
 */
export async function createChannelFromSignup(
  em: EntityManager,
  settings: ChannelSettings,
  tenantId: string,
  input: { code: string; wabaId: string; phoneNumberId: string; name?: string | undefined },
) {
  const { app, location, sandboxCodes } = settings.signup;
  if (!app) {
    throw new AppError('UNPROCESSABLE_CONTENT', 'Embedded Signup needs the platform app: set META_APP_ID and META_APP_SECRET', {
      reason: 'EMBEDDED_SIGNUP_NOT_CONFIGURED',
    });
  }
  refusePlatformNumber(settings, input.phoneNumberId);
  const code = sandboxCodes ? sandboxCodes.issue(input) : input.code;
  const token = await askMeta('the Embedded Signup', () => exchangeSignupCode(location, app, code));
  const number = await numberOfWaba(location, input, token, 'the Embedded Signup');
  await refuseTakenNumber(em, input.phoneNumberId);
  await askMeta('the Embedded Signup', () => subscribeAppToWaba(location, input.wabaId, token));
  return storeChannel(em, settings, tenantId, {
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
    await checkWithMeta(settings, channel, changes.accessToken);
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
  if (channelId && !channel) throw channelNotInTenant();
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

/** The numbers registered under a WABA, oldest first (the sandbox lists them as Meta's `GET /{waba-id}/phone_numbers`). */
export async function numbersOfWaba(em: EntityManager, wabaId: string): Promise<{ phoneNumberId: string; displayPhoneNumber: string | undefined }[]> {
  const rows = await em.execute<{ phone_number_id: string; display_phone_number: string | null }[]>(
    'select phone_number_id, display_phone_number from channel where waba_id = ? order by created_at',
    [wabaId],
  );
  return rows.map((row) => ({ phoneNumberId: row.phone_number_id, displayPhoneNumber: row.display_phone_number ?? undefined }));
}
