// A pass-through in front of the WhatsApp sandbox, over real HTTP: every send reaches the sandbox (which
// records it and answers in Meta's format), and the test decides when the answer goes back to Herald.
import { createServer } from 'node:http';
import { startHarness, startTestWorker, type Harness } from '../support/harness.ts';
import { SILENT_SANDBOX } from './support.ts';

export interface MetaProxy {
  /** Base URL for the Graph client, in place of the sandbox's. */
  url: string;
  /** Calls made through the proxy. */
  calls: number;
  /** The next answer waits for `beforeReply` (called once the sandbox has answered) before it is returned. */
  holdNext(beforeReply: () => Promise<void>): void;
  close(): Promise<void>;
}

export async function startMetaProxy(sandboxUrl: string): Promise<MetaProxy> {
  const target = new URL(sandboxUrl);
  let hold: (() => Promise<void>) | undefined;
  const proxy: MetaProxy = {
    url: '',
    calls: 0,
    holdNext(beforeReply) {
      hold = beforeReply;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer(async (request, response) => {
    proxy.calls += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const answer = await fetch(`${target.origin}${request.url}`, {
      method: request.method,
      headers: { 'content-type': 'application/json', authorization: String(request.headers.authorization ?? '') },
      body: Buffer.concat(chunks),
    });
    const body = await answer.text();
    const waitFor = hold;
    hold = undefined;
    await waitFor?.();
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${target.pathname}`;
  return proxy;
}

/** A Herald whose worker sends through a Meta proxy, the sandbox's own statuses held back (SILENT_SANDBOX). */
export async function startHeraldBehindProxy(): Promise<{ herald: Harness; proxy: MetaProxy; close(): Promise<void> }> {
  const herald = await startHarness({ sandboxDelays: SILENT_SANDBOX });
  const proxy = await startMetaProxy(herald.sandbox.url);
  const worker = await startTestWorker(herald.config, herald.orm, proxy.url);
  return {
    herald,
    proxy,
    async close() {
      await worker.stop();
      await proxy.close();
      await herald.close();
    },
  };
}
