// A stand-in for Meta's Graph API over real HTTP, in front of the sandbox: recipients ending 9429 are always
// throttled (130429, which Herald retries), recipients ending 9444 are accepted but never get a status
// webhook (Meta's silence), and every other send goes on to the sandbox unchanged.
import { createServer } from 'node:http';
import { metaAccepted, metaError, newWamid } from '../../server/modules/whatsapp/sandbox-format.ts';

export const ALWAYS_THROTTLED = '9429';
export const NEVER_REPORTED = '9444';

export interface MetaStandIn {
  /** Base URL for the Graph client, in place of the sandbox's. */
  url: string;
  /** Send calls answered here (not forwarded), by recipient as written in the request. */
  answered: string[];
  close(): Promise<void>;
}

export async function startMetaStandIn(sandboxUrl: string): Promise<MetaStandIn> {
  const target = new URL(sandboxUrl);
  const answered: string[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const to = String((JSON.parse(body.toString() || '{}') as { to?: unknown }).to ?? '');
    const reply = (status: number, payload: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    if (to.endsWith(ALWAYS_THROTTLED)) {
      answered.push(to);
      return reply(429, metaError(130429, 'Rate limit hit', 'Cloud API message throughput has been reached.'));
    }
    if (to.endsWith(NEVER_REPORTED)) {
      answered.push(to);
      return reply(200, metaAccepted(to, to.replace(/^\+/, ''), newWamid()));
    }
    const answer = await fetch(`${target.origin}${request.url}`, {
      method: request.method,
      headers: { 'content-type': 'application/json', authorization: String(request.headers.authorization ?? '') },
      body,
    });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${target.pathname}`,
    answered,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
