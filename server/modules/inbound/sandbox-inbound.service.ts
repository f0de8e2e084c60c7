import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import type { Services } from '../../services.ts';
import { getChannel } from '../channels/channels.service.ts';
import { whatsappSettings } from '../whatsapp/sandbox-token.ts';

/**
 * Sandbox mode: asks the WhatsApp simulator to have `from` write to the channel's number (the platform number
 * without a channel). The simulator then posts Meta's signed webhook to Herald, so the message takes the real path.
 */
export async function simulateInbound(
  em: EntityManager,
  services: Pick<Services, 'config'>,
  input: { channelId?: string | undefined; from: string; text: string },
): Promise<{ id: string; phoneNumberId: string }> {
  if (services.config.whatsappMode !== 'sandbox') {
    throw new AppError('NOT_FOUND', 'POST /sandbox/inbound exists only in sandbox mode (WHATSAPP_MODE=sandbox)', { reason: 'SANDBOX_ONLY' });
  }
  // The tenant filter makes another tenant's channel a 404.
  const phoneNumberId = input.channelId ? (await getChannel(em, input.channelId)).phoneNumberId : services.config.whatsapp.phoneNumberId;
  const { baseUrl, accessToken } = await whatsappSettings(services.config);
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}/simulate/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ phoneNumberId, from: input.from, text: input.text }),
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
