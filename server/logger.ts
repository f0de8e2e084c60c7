import type { LoggerOptions } from 'pino';

/** Paths that may carry secrets; pino replaces their values before a line is written. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  '*.password',
  '*.adminPassword',
  '*.token',
  '*.accessToken',
  '*.privateKey',
];

const CENSOR = '[redacted]';
/** Query parameter names whose values are credentials (Meta's hub.verify_token, OAuth's access_token, code, client_secret…). */
const SECRET_PARAMETER = /token|secret|password|passwd|signature|api[-_.]?key|^key$|^code$|^auth|credential|session/i;
/** A value that is a credential whatever its name: a JWT or a long opaque key. */
const SECRET_VALUE = /^(eyJ[\w-]+\.[\w-]+\.|EAA[\w-]{20,})/;

/** The URL with the value of every secret-looking query parameter replaced, the rest byte for byte. */
function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      let name = pair.slice(0, equals);
      let value = pair.slice(equals + 1);
      try {
        name = decodeURIComponent(name.replaceAll('+', ' '));
        value = decodeURIComponent(value.replaceAll('+', ' '));
      } catch {
        // Malformed escapes: judge the raw text.
      }
      return SECRET_PARAMETER.test(name) || SECRET_VALUE.test(value) ? `${pair.slice(0, equals)}=${CENSOR}` : pair;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}

/** Fastify's own request serializer, except that the URL goes through redactUrl. */
function requestSerializer(request: LoggedRequest) {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrl(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export function loggerOptions(level: string, name: string): LoggerOptions {
  return {
    name,
    level,
    redact: { paths: REDACT, censor: CENSOR },
    serializers: { req: requestSerializer },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
}
