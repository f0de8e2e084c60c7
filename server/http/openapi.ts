import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { appRouter } from '../trpc/router.ts';

export const API_VERSION = '0.1.0';

/** The OpenAPI 3 document for every procedure that carries `openapi` meta; generated once per process. */
export function buildOpenApiDocument(baseUrl = '/'): OpenAPIObject {
  return generateOpenApiDocument(appRouter, {
    title: 'Herald API',
    description:
      'Schedule WhatsApp template notifications for your contacts, paid from a prepaid credit balance. ' +
      'Every operation here is also a tRPC procedure at /trpc.',
    version: API_VERSION,
    baseUrl,
    docsUrl: '/docs',
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    },
  });
}
