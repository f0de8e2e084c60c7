import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';

/**
 * TRUST_PROXY as Fastify takes it. A hop count trusts that many proxies in front of the API, as proxy-addr counts
 * them (Fastify itself now reads a bare number as "trust none"); unset trusts none, so X-Forwarded-For is ignored.
 */
export function trustProxyOption(value: Config['TRUST_PROXY']): FastifyServerOptions['trustProxy'] {
  if (typeof value === 'number') return (_address: string, hop: number) => hop < value;
  return value ?? false;
}
