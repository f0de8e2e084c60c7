import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.ts';

/** No Herald input nests deeper than a few levels; deeper JSON is refused before it is parsed. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, read in one pass without parsing it (brackets
 * inside strings do not count). Parsing is not the danger: JSON.parse copes, but code that walks the value
 * recursively afterwards (JSON.stringify, validators) runs out of stack on 10,000 levels.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++; // a backslash escapes the next character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return false;
}

const jsonTooDeep = () =>
  new AppError('BAD_REQUEST', `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`, { reason: 'JSON_TOO_DEEP' });

/**
 * Fastify's own JSON parser (with its prototype-poisoning checks) behind a depth check: one parser for every route
 * that takes JSON, REST and tRPC alike. Plugins with a parser of their own (Meta's signed webhook) keep theirs.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const { onProtoPoisoning, onConstructorPoisoning } = app.initialConfig;
  const parse = app.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) return done(jsonTooDeep(), undefined);
    return parse(request, body as string, done);
  });
}

/**
 * A `preValidation` hook for the tRPC routes, whose adapter takes the body as text and parses it itself: the same
 * depth rule for a tRPC body and for a GET's `input` query parameter.
 */
export async function refuseDeepJsonText(request: FastifyRequest): Promise<void> {
  const input = (request.query as Record<string, unknown> | undefined)?.input;
  for (const text of [request.body, input]) {
    if (typeof text === 'string' && nestsDeeperThan(text, MAX_JSON_DEPTH)) throw jsonTooDeep();
  }
}
