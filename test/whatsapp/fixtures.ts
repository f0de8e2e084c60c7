// Webhook payloads shaped like Meta's documentation examples, and a small receiver app for them.
import Fastify, { type FastifyInstance } from 'fastify';
import { registerWebhookRoutes } from '../../server/modules/whatsapp/webhook-routes.ts';
import type { ProviderStatus } from '../../server/modules/whatsapp/types.ts';

export const metadata = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };

export function status(id: string, name: string, timestamp: string, extra: Record<string, unknown> = {}) {
  return { id, status: name, timestamp, recipient_id: '15551234567', ...extra };
}

export const pricing = { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' };

/** Two entries (two business accounts), the first with two changes; five statuses, one unknown. */
export const severalStatuses = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata,
            statuses: [
              status('wamid.AAA', 'sent', '1750263773', { pricing, conversation: { id: 'c1', origin: { type: 'utility' } } }),
              status('wamid.AAA', 'delivered', '1750263775', { pricing }),
            ],
          },
        },
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata,
            statuses: [
              status('wamid.BBB', 'failed', '1750263780', {
                errors: [
                  {
                    code: 131026,
                    title: 'Message undeliverable',
                    message: 'Message undeliverable',
                    error_data: { details: 'Message Undeliverable.' },
                  },
                ],
              }),
              status('wamid.BBB', 'deleted', '1750263781'),
            ],
          },
        },
      ],
    },
    {
      id: '109876543210987',
      changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata, statuses: [status('wamid.CCC', 'read', '1750263790')] } }],
    },
  ],
};

/** A customer writing to the business: messages and contacts, no statuses. */
export const inboundMessageOnly = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata,
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
            messages: [{ from: '16505551234', id: 'wamid.IN1', timestamp: '1749416383', type: 'text', text: { body: 'Does it come in another color?' } }],
          },
        },
      ],
    },
  ],
};

export interface Receiver {
  app: FastifyInstance;
  url: string;
  statuses: ProviderStatus[];
  close(): Promise<void>;
}

/** A Fastify app with only the webhook routes, collecting what onStatuses receives. */
export async function startReceiver(
  options: { appSecret?: string; verifyToken?: string; onStatuses?: (statuses: ProviderStatus[]) => Promise<void> } = {},
): Promise<Receiver> {
  const app = Fastify({ logger: false });
  const statuses: ProviderStatus[] = [];
  await registerWebhookRoutes(app, {
    appSecret: options.appSecret,
    verifyToken: options.verifyToken,
    onStatuses: options.onStatuses ?? (async (batch) => void statuses.push(...batch)),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, statuses, close: () => app.close() };
}

