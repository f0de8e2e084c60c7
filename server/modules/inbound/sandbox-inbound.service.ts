import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import type { Services } from '../../services.ts';
import { getChannel } from '../channels/channels.service.ts';
import { whatsappSettings } from '../whatsapp/sandbox-token.ts';
import { latestReachOf } from './inbound.service.ts';

/**
 * On the platform number a simulated contact answers the caller's own latest message to them (quoting it, as
 * WhatsApp's reply does), so the webhook's replyOwner gives it to the caller: another tenant that knows the same
 * phone can neither read the contact's replies to someone else nor opt them out. Without such a message there is
 * nothing of the caller's to answer.
 */
async function quotedOnPlatform(em: EntityManager, tenantId: string, reply: { phoneNumberId: string; phone: string }): Promise<string> {
  const wamid = await latestReachOf(em, tenantId, { ...reply, at: new Date() });
  if (!wamid) {
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      'None of your messages from the platform number reached this phone in the last 30 days: a reply to the platform number would not be yours',
      { reason: 'NOTHING_TO_REPLY_TO' },
    );
  }
  return wamid;
}

/**
 * Sandbox mode: asks the WhatsApp simulator to have `from` write to the channel's number (the platform number
 * without a channel, as a reply to the caller's latest message there). The simulator then posts Meta's signed webhook
 * to Herald, so the message takes the real path.
 */
export async function simulateInbound(
  em: EntityManager,
  services: Pick<Services, 'config'>,
  tenantId: string,
  input: { channelId?: string | undefined; from: string; text: string },
): Promise<{ id: string; phoneNumberId: string }> {
  if (services.config.whatsappMode !== 'sandbox') {
    throw new AppError('NOT_FOUND', 'POST /sandbox/inbound exists only in sandbox mode (WHATSAPP_MODE=sandbox)', { reason: 'SANDBOX_ONLY' });
  }
  // The tenant filter makes another tenant's channel a 404.
  const phoneNumberId = input.channelId ? (await getChannel(em, input.channelId)).phoneNumberId : services.config.whatsapp.phoneNumberId;
  const phone = `+${input.from.replace(/^\+/, '')}`;
  const quotedWamid = input.channelId ? undefined : await quotedOnPlatform(em, tenantId, { phoneNumberId, phone });
  const { baseUrl, accessToken } = await whatsappSettings(services.config);
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}/simulate/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ phoneNumberId, from: input.from, text: input.text, quotedWamid }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new AppError('SERVICE_UNAVAILABLE', 'The WhatsApp sandbox could not be reached', { reason: 'SANDBOX_UNREACHABLE', cause: error });
  }
  const body = (await response.json().catch(() => undefined)) as { id?: unknown } | undefined;
  if (!response.ok || typeof body?.id !== 'string') {
    throw new AppError('SERVICE_UNAVAILABLE', `The WhatsApp sandbox refused the simulated message (HTTP ${response.status})`, { reason: 'SANDBOX_UNREACHABLE' });
  }
  return { id: body.id, phoneNumberId };
}
