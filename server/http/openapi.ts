import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { procedureMetas } from '../trpc/meta.ts';
import { appRouter } from '../trpc/router.ts';

export const API_VERSION = '0.1.0';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

const ERROR_DESCRIPTIONS: Record<number, string> = {
  401: 'Not authenticated: no, malformed, expired or invalid bearer token',
  403: 'Your role may not do this',
  404: "Not found (also another tenant's object)",
  409: 'Conflict with the current state',
  413: 'Request body too large',
  422: 'Refused by a business rule (see `data.reason`)',
  429: 'Rate limited: retry after the Retry-After header',
};

const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    code: { type: 'string', description: 'Machine-readable error code', example: 'CONFLICT' },
    message: { type: 'string', description: 'What went wrong, for a human' },
    data: { type: 'object', properties: { reason: { type: 'string', description: 'A stable, more specific reason' } } },
  },
  required: ['code', 'message'],
} satisfies SchemaObject;

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
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Error: ERROR_SCHEMA } };
  for (const meta of procedureMetas(appRouter).values()) {
    const operation = meta.openapi ? document.paths?.[meta.openapi.path]?.[meta.openapi.method.toLowerCase() as 'post'] : undefined;
    if (!operation?.responses) continue;
    // trpc-to-openapi documents every success as 200; creations answer 201.
    if (meta.successStatus && operation.responses['200']) {
      operation.responses[String(meta.successStatus)] = operation.responses['200'];
      delete operation.responses['200'];
    }
    const errors = new Set<number>(meta.errorStatuses ?? []);
    if (meta.openapi!.protect !== false) [401, 403].forEach((status) => errors.add(status));
    if (meta.openapi!.path.includes('{')) errors.add(404);
    for (const status of [...errors].sort()) {
      operation.responses[String(status)] ??= {
        description: ERROR_DESCRIPTIONS[status]!,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
  }
  return document;
}
