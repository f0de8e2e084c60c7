import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { procedureMetas } from '../trpc/meta.ts';
import { appRouter } from '../trpc/router.ts';

export const API_VERSION = '0.1.0';

/** The OpenAPI 3 document for every procedure that carries `openapi` meta; generated once per process. */
export function buildOpenApiDocument(baseUrl = '/'): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
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
  // trpc-to-openapi documents every success as 200; creations answer 201.
  for (const meta of procedureMetas(appRouter).values()) {
    const operation = meta.openapi && meta.successStatus ? document.paths?.[meta.openapi.path]?.[meta.openapi.method.toLowerCase() as 'post'] : undefined;
    if (operation?.responses?.['200']) {
      operation.responses[String(meta.successStatus)] = operation.responses['200'];
      delete operation.responses['200'];
    }
  }
  return document;
}
