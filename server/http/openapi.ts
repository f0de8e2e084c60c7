import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { procedureMetas, type HeraldMeta, type Roles } from '../trpc/meta.ts';
import { appRouter } from '../trpc/router.ts';
import { describeStatus } from '../shared/error-table.ts';
import { ERROR_SCHEMA } from './openapi-errors.ts';

const API_VERSION = '0.1.0';
// No license is granted: the package is private, with no license field and no LICENSE file. UNLICENSED is npm's word for that.
const LICENSE = { name: 'UNLICENSED' };

type Operation = NonNullable<NonNullable<OpenAPIObject['paths']>[string]['post']>;
type Responses = NonNullable<Operation['responses']>;

/**
 * Every error status an operation can answer: 400 (bad input), 500 and 503 (database unreachable) everywhere, 401/403 when it is
 * protected, 404 when its path names an object, 413/415 for a POST or PATCH (body too large, not JSON), and the
 * business errors its meta lists.
 */
function errorStatusesOf(meta: HeraldMeta): number[] {
  const statuses = new Set<number>([400, 500, 503, ...(meta.errorStatuses ?? [])]);
  if (meta.openapi!.protect !== false) [401, 403].forEach((status) => statuses.add(status));
  if (meta.openapi!.path.includes('{')) statuses.add(404);
  if (meta.openapi!.method === 'POST' || meta.openapi!.method === 'PATCH') [413, 415].forEach((status) => statuses.add(status));
  return [...statuses].sort((a, b) => a - b);
}

function errorResponse(status: number) {
  const response: Record<string, unknown> = {
    description: describeStatus(status),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  if (status === 429) {
    response.headers = { 'Retry-After': { description: 'Seconds until a retry may succeed', schema: { type: 'integer', minimum: 0 } } };
  }
  return response as Responses[string];
}

/**
 * Who may call the operation, from the procedure's `roles` (the one declaration the auth middleware enforces):
 * `x-roles` carries it as data, and the description opens with it for people reading /docs.
 */
function declareRoles(operation: Operation, roles: Roles) {
  const who = roles === 'public' ? 'public, no token needed' : roles.join(', ');
  operation.description = [`Roles: ${who}.`, operation.description].filter(Boolean).join('\n\n');
  (operation as Operation & { 'x-roles': Roles })['x-roles'] = roles;
}

/** The OpenAPI 3 document for every procedure that carries `openapi` meta; generated once per process. */
export function buildOpenApiDocument(baseUrl = '/'): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: 'Herald API',
    description:
      'Schedule WhatsApp template notifications for your contacts, paid from a prepaid credit balance. ' +
      'Every operation here is also a tRPC procedure at /trpc.',
    version: API_VERSION,
    license: LICENSE,
    baseUrl,
    docsUrl: '/docs',
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    },
  });
  // The generator's own error schemas forbid `data`, which every procedure error carries: use the real shape instead.
  const schemas = Object.fromEntries(Object.entries(document.components?.schemas ?? {}).filter(([name]) => !name.startsWith('error.')));
  document.components = { ...document.components, schemas: { ...schemas, Error: ERROR_SCHEMA } };
  for (const meta of procedureMetas(appRouter).values()) {
    const operation = meta.openapi ? document.paths?.[meta.openapi.path]?.[meta.openapi.method.toLowerCase() as 'post'] : undefined;
    if (!operation?.responses) continue;
    declareRoles(operation, meta.roles);
    // A public operation says so (`security: []`) rather than leaving readers to guess that it needs no token.
    if (meta.openapi!.protect === false) operation.security = [];
    const responses: Responses = {};
    for (const [status, response] of Object.entries(operation.responses)) {
      // trpc-to-openapi documents every success as 200; creations answer 201.
      if (status === '200') {
        responses[String(meta.successStatus ?? 200)] = response;
        if (meta.replayable && meta.successStatus) {
          responses['200'] = { ...response, description: 'An identical replay (same idempotencyKey and body): the result of the first request' };
        }
      }
      else if (status.startsWith('2')) responses[status] = response;
    }
    for (const status of errorStatusesOf(meta)) responses[String(status)] = errorResponse(status);
    operation.responses = responses;
    // The REST bridge drops empty query values, so `?cursor=` means the same as no cursor.
    for (const parameter of operation.parameters ?? []) {
      if ('in' in parameter && parameter.in === 'query' && !parameter.required) parameter.allowEmptyValue = true;
    }
  }
  return document;
}
