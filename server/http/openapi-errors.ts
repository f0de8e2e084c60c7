// The one error body every REST error has, as the OpenAPI document describes it.
import type { OpenAPIObject } from 'trpc-to-openapi';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

const ISSUE = {
  type: 'object',
  properties: {
    path: { type: 'string', description: 'The offending field, dotted (e.g. `contacts.3.phone`); empty for the whole input' },
    message: { type: 'string' },
  },
  required: ['path', 'message'],
  additionalProperties: true,
} satisfies SchemaObject;

/**
 * Exactly `{code, message, data?}`: procedure errors carry `data` (tRPC's code, HTTP status and procedure path,
 * plus Herald's `reason` and `issues`); errors raised before a procedure runs (malformed JSON, body too large,
 * an unsupported method) have `code`, `message` and at most a `data.reason`.
 */
export const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    code: { type: 'string', description: 'Machine-readable error code', example: 'CONFLICT' },
    message: { type: 'string', description: 'What went wrong, for a human' },
    data: {
      type: 'object',
      properties: {
        reason: { type: 'string', description: 'A stable, more specific reason, e.g. INSUFFICIENT_FUNDS' },
        issues: { type: 'array', description: 'The offending fields of invalid input', items: ISSUE },
        code: { type: 'string', description: 'The same code as above' },
        httpStatus: { type: 'integer', description: 'The HTTP status of this answer' },
        path: { type: 'string', description: 'The tRPC procedure, e.g. `messages.schedule`' },
      },
      additionalProperties: true,
    },
  },
  required: ['code', 'message'],
  additionalProperties: false,
} satisfies SchemaObject;
